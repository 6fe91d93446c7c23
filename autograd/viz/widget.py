"""StepperWidget: an ipywidgets player for a Stepper (previous / next / play / slider).

The picture is an ipywidgets.HTML holding the frame's SVG; the explanation sits in a
<pre> under it. Frames are rendered when first shown and cached by the Step.
"""
import html

import ipywidgets as W


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
                                  continuous_update=False, layout=W.Layout(width="45%"))
        W.jslink((self.play, "value"), (self.slider, "value"))  # play drives the slider in the browser
        self.play.observe(self._on_play, names="value")  # and here, when no browser links them
        self.status = W.HTML()
        self.graph_html = W.HTML()
        self.text_html = W.HTML()
        self.prev_button.on_click(lambda _: self.show(self.slider.value - 1))
        self.next_button.on_click(lambda _: self.show(self.slider.value + 1))
        self.slider.observe(self._on_slider, names="value")
        controls = W.HBox([self.prev_button, self.play, self.slider, self.next_button, self.status])
        super().__init__([controls, self.graph_html, self.text_html])
        self.index = None
        self.show(0)

    def _on_slider(self, change):
        self.show(change["new"])

    def _on_play(self, change):
        if self.slider.value != change["new"]:
            self.slider.value = change["new"]

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
        self.graph_html.value = f'<div style="overflow:auto;max-height:640px">{frame.svg()}</div>'
        self.text_html.value = f"<pre style='font-size:12px;line-height:1.35'>{html.escape(frame.text())}</pre>"
        self.prev_button.disabled = index == 0
        self.next_button.disabled = index == len(self.frames) - 1
