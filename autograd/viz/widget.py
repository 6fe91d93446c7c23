"""StepperWidget: an ipywidgets player for a Stepper (previous / next / play / slider).

The graph and the step's explanation sit side by side. The picture is an ipywidgets.HTML
holding the frame's SVG, cut to a window that shows the whole graph when it stays readable,
else centred on the step's node (``svgview.focus_svg``), so the highlighted node is always in
view without scrolling. "whole graph" shows everything scaled to fit; with modules, "compact"
draws each module as one box (the step's own module stays open) and "open" lists the modules
to keep open. Frames are rendered when first shown and cached by the Step.
"""
import html

import ipywidgets as W

from .svgview import focus_svg

GRAPH_PX = (620, 520)  # the window the graph is cut to (width, height in CSS pixels)


class StepperWidget(W.VBox):
    """``StepperWidget(stepper)``; ``.show(i)`` jumps to frame i (the buttons and slider call it)."""

    def __init__(self, stepper, interval_ms=900):
        self.stepper = stepper
        self.frames = stepper.frames  # runs the backward pass; pictures stay lazy
        last = len(self.frames) - 1
        self.prev_button = W.Button(description="< prev", layout=W.Layout(width="80px"))
        self.next_button = W.Button(description="next >", layout=W.Layout(width="80px"))
        self.play = W.Play(value=0, min=0, max=last, step=1, interval=interval_ms, description="play")
        self.slider = W.IntSlider(value=0, min=0, max=last, step=1, description="step",
                                  continuous_update=False, layout=W.Layout(width="40%"))
        W.jslink((self.play, "value"), (self.slider, "value"))  # play drives the slider in the browser
        self.play.observe(self._on_play, names="value")  # and here, when no browser links them
        self.status = W.HTML()
        self.whole = W.ToggleButton(value=False, description="whole graph", tooltip="scale the whole graph to fit",
                                    layout=W.Layout(width="110px"))
        modules = stepper.model.modules
        self.compact = W.Checkbox(value=bool(stepper.compact), description="compact", indent=False,
                                  layout=W.Layout(width="90px", display="" if modules else "none"))
        self.expand = W.SelectMultiple(options=[(stepper.model.module_label(m), m) for m in modules],
                                       description="open", rows=min(3, max(1, len(modules))),
                                       layout=W.Layout(width="220px", display="" if modules else "none"))
        self.graph_html = W.HTML(layout=W.Layout(width="60%", height=f"{GRAPH_PX[1] + 4}px", overflow="hidden"))
        self.text_html = W.HTML(layout=W.Layout(width="40%", max_height=f"{GRAPH_PX[1] + 4}px", overflow="auto"))
        self.prev_button.on_click(lambda _: self.show(self.slider.value - 1))
        self.next_button.on_click(lambda _: self.show(self.slider.value + 1))
        self.slider.observe(self._on_slider, names="value")
        for control in (self.whole, self.compact, self.expand):
            control.observe(self._on_view, names="value")
        keys = W.HTML("<small>keys: click the slider, then &larr; &rarr; step, Home / End first / last</small>")
        controls = W.HBox([self.prev_button, self.play, self.slider, self.next_button, self.status],
                          layout=W.Layout(flex_flow="row wrap", align_items="center"))
        view = W.HBox([self.whole, self.compact, self.expand, keys], layout=W.Layout(align_items="center"))
        body = W.HBox([self.graph_html, self.text_html], layout=W.Layout(align_items="flex-start"))
        super().__init__([controls, view, body])
        self.index = None
        self.show(0)

    def _on_slider(self, change):
        self.show(change["new"])

    def _on_play(self, change):
        if self.slider.value != change["new"]:
            self.slider.value = change["new"]

    def _on_view(self, change):
        self._draw(self.frames[self.index])

    def picture(self, frame):
        """The frame's SVG as this widget shows it: compact or not, cut to the window."""
        svg = frame.svg(compact=self.compact.value, expand=self.expand.value)
        return focus_svg(svg, frame.dot_ids, *GRAPH_PX, min_scale=0.0 if self.whole.value else 0.75)

    def _draw(self, frame):
        self.graph_html.value = f'<div style="border:1px solid #dee2e6">{self.picture(frame)}</div>'
        title, _, rest = frame.text().partition("\n")
        self.text_html.value = (f"<pre style='font-size:12px;line-height:1.35;white-space:pre-wrap;margin:0 0 0 8px'>"
                                f"<b>{html.escape(title)}</b>\n{html.escape(rest)}</pre>")

    def show(self, index):
        """Display frame ``index`` (clipped to the valid range)."""
        index = max(0, min(int(index), len(self.frames) - 1))
        if self.slider.value != index:
            self.slider.value = index  # its observer calls show() again
            return
        if self.index == index:
            return
        frame = self.frames[index]
        self.index = index
        self.status.value = f"<b>{index + 1}/{len(self.frames)}</b> {html.escape(frame.phase)}"
        self._draw(frame)
        self.prev_button.disabled = index == 0
        self.next_button.disabled = index == len(self.frames) - 1
