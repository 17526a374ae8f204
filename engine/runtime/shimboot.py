"""Entry point of a slimmed shim: `python -I -S shimboot.py STATE_FD DOCKERLAB_DIR ENGINE_DIR`,
and of a zygote (zygote.py): the same, with its socket's fd and a last word `zygote`.

Run without site, .pth files or the editable-install finder, so that only the
modules the shim itself imports get loaded (see monitor.py). The two packages
are declared by path; their __init__ files are run as usual.
"""
import sys

del sys.path[0]   # this file's folder: its modules must load as dockerlab.engine.runtime.*


def _declare(name: str, folder: str) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, folder + "/__init__.py",
                                                  submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_declare("dockerlab", sys.argv[2])
_declare("dockerlab.engine", sys.argv[3])
if sys.argv[4:] == ["zygote"]:
    from dockerlab.engine.runtime.zygote import serve
    serve(int(sys.argv[1]))
else:
    from dockerlab.engine.runtime.monitor import resume
    resume(int(sys.argv[1]))
