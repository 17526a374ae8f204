"""A string a person reads in a lab, in French and (optionally) English."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from .i18n import current_language


class Localized(BaseModel):
    """A string a person reads in a lab: French required, English optional.

    A plain YAML string is accepted as the French text, so a teacher can
    write French only and add English later (the validator then warns).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fr: str
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_string_is_french(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"fr": data}
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict:
        """Editors must accept both the plain string and the mapping form."""
        obj = handler.resolve_ref_schema(handler(core_schema))
        return {"anyOf": [{"type": "string"}, obj], "description": obj.get("description", "")}

    def text(self, lang: str | None = None) -> str:
        """The text in `lang` (default: current language), French as fallback."""
        lang = lang or current_language()
        if lang == "en" and self.en:
            return self.en
        return self.fr

    def __str__(self) -> str:
        return self.text()
