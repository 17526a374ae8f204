"""Images: references, layers, the content-addressed store and the offline catalog.

`store.ImageStore` is the entry point (see docs/architecture.md);
`catalog.prepare` builds the base images offline; `layers.diff_to_tar` turns a
container's upper dir into a layer for `commit` and `build`.
"""
