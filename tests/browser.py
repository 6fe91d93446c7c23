"""A headless Chromium driven over the DevTools protocol, with the standard library only.

    with Browser(width=1280, height=800) as b:     # None from find_browser(): no Chromium here
        b.open(path)                               # a local HTML file
        b.eval("document.title")                   # a JavaScript expression's value
        b.key("ArrowRight")                        # a real key press (keydown + keyup)
        b.screenshot("frame.png")

Chromium talks JSON over two pipes (``--remote-debugging-pipe``: it reads commands on fd 3 and
writes answers and events on fd 4, each message ending in a NUL byte), so no websocket library
and no chromedriver are needed. It runs with a fresh profile and no network features.
"""
import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]

# a key's DevTools fields: (code, windowsVirtualKeyCode, text typed)
KEYS = {"ArrowRight": ("ArrowRight", 39, ""), "ArrowLeft": ("ArrowLeft", 37, ""), "Home": ("Home", 36, ""),
        "End": ("End", 35, ""), " ": ("Space", 32, " "), "c": ("KeyC", 67, "c"), "f": ("KeyF", 70, "f"),
        "+": ("Equal", 187, "+"), "-": ("Minus", 189, "-")}


def find_browser():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    def __init__(self, width=1280, height=800, executable=None, timeout=60):
        self.width, self.height, self.timeout = width, height, timeout
        self.executable = executable or find_browser()
        if self.executable is None:
            raise BrowserError("no Chromium or Chrome on PATH (apt-get install chromium)")
        self._id, self._buffer, self.session = 0, b"", None

    # ------------------------------------------------------------ process and pipes

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="seegrad-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium wants the pipes on fds 3 and 4: move them above 10 first, so that placing one
        # cannot overwrite the other, then dup2 them into place in the child (dup2 makes them
        # inheritable; every other fd of ours is not, so close_fds=False leaks nothing else)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_chrome_r, from_chrome_w)]
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)

        def place_pipes():
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        cmd = [self.executable, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
               f"--window-size={self.width},{self.height}", "about:blank"]
        self.proc = subprocess.Popen(cmd, preexec_fn=place_pipes, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in high:
            os.close(fd)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc):
        try:
            self.call("Browser.close", session=False)
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self):
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium closed the DevTools pipe (exit status {self.proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, session=True, **params):
        """Send one DevTools command and return its result (events on the way are dropped)."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read_message()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    # ------------------------------------------------------------ what a test does

    def open(self, path):
        """Load a local file and wait until it has run its scripts."""
        url = Path(path).resolve().as_uri() if not str(path).startswith(("file:", "about:")) else str(path)
        self.call("Page.navigate", url=url)
        for _ in range(400):
            if self.eval("document.readyState") == "complete":
                return
            self.eval("new Promise(r => setTimeout(r, 25))", await_promise=True)
        raise BrowserError(f"{url} did not finish loading")

    def eval(self, expression, await_promise=False):
        """The value of a JavaScript expression (JSON-able), or BrowserError with the exception."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"{expression[:80]!r}: {details.get('exception', {}).get('description', details)}")
        return result["result"].get("value")

    def key(self, key):
        """Press and release ``key`` ("ArrowRight", "Home", " ", "c", ...) on the page."""
        code, vk, text = KEYS[key]
        fields = dict(key=key, code=code, windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk)
        self.call("Input.dispatchKeyEvent", type="keyDown", text=text, **fields)
        self.call("Input.dispatchKeyEvent", type="keyUp", **fields)

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return path
