"""One simulated browser tab speaking Streamlit's websocket protocol (Streamlit 1.67).

The protocol, as a browser uses it:

* connect to ``ws://HOST:PORT/_stcore/stream`` with the subprotocol list ``["streamlit", xsrf, session]``
  (the 2nd and 3rd entries are the XSRF token and, on a reconnect, the old session id);
* send ``BackMsg(rerun_script=ClientState(page_script_hash, query_string, widget_states, fragment_id))``;
* read ``ForwardMsg``s: ``new_session`` (session id, page), ``navigation`` (every page's
  ``page_script_hash``), ``page_info_changed`` (the query string the app wrote), ``delta`` (elements and
  blocks at a ``metadata.delta_path``, with ``delta.fragment_id`` when a fragment drew them) and finally
  ``script_finished``; ``auto_rerun`` starts a fragment's ``run_every`` timer, which the browser drops at
  ``stop_auto_rerun`` (a fragment rerun no longer drew that fragment) and when a full run starts.

Widget ids look like ``$$ID-<32 hex>-<key>``, so a widget is found by the key the page gave it. Like the
browser, the session keeps the value of every widget on screen and sends the whole list with each rerun;
a click adds ``WidgetState(id, trigger_value=True)`` for that one rerun. A widget drawn inside an
``st.fragment`` carries the fragment's id in its delta; changing it sends that ``fragment_id`` so only the
fragment reruns, as in a browser.

Custom components v2 (``st.components.v2.component``, element ``bidi_component``; rnnviz's in-browser
stepper): the component's state is one JSON object in ``WidgetState(id, json_value=...)`` on the element's
id (``$$ID-<hash>-<key>``); the browser holds none until the component's JS first calls
``setStateValue(name, value)``, which merges ``{name: value}`` into it and reruns the element's fragment
(``Session.set_state``). What the JS does in the browser costs the server nothing and is not simulated,
except the one thing that sends a message: ``StepperTracker`` follows the stepper's own rule for when it
reports a step (after a pause; and when Python moved the step, to keep its state equal to it).

Only loopback addresses are accepted (see ``require_loopback``).
"""
from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import time
import urllib.parse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

ID_PREFIX = "$$ID-"
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
        ForwardMsg.FINISHED_WITH_COMPILE_ERROR}
WIDGET_ELEMENTS = {"button", "download_button", "number_input", "slider", "selectbox", "radio", "checkbox",
                   "text_input", "text_area", "file_uploader", "multiselect", "color_picker", "date_input",
                   "time_input", "button_group", "pagination", "bidi_component"}
WIDGET_BLOCKS = {"expandable", "tab_container", "popover"}


class LoopbackOnly(ValueError):
    """A target that is not on this machine's loopback interface."""


class ProtocolError(RuntimeError):
    """The server closed the connection, or did not finish a run in time."""


def require_loopback(url: str) -> urllib.parse.ParseResult:
    """The parsed URL; LoopbackOnly unless its host is localhost, 127.0.0.0/8 or ::1."""
    parsed = urllib.parse.urlparse(url)
    host = parsed.hostname or ""
    if host != "localhost":
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
        if not ok:
            raise LoopbackOnly(f"{url!r}: the load generator only targets loopback addresses (127.0.0.1, ::1)")
    return parsed


def key_of(widget_id: str) -> str | None:
    """The user key at the end of a widget id ``$$ID-<hash>-<key>`` (None for a widget without one)."""
    if not widget_id.startswith(ID_PREFIX):
        return None
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[2] != "None" else None


@dataclasses.dataclass
class Widget:
    """A widget (or keyed expander / tabs) as last drawn: kind is the element or block type."""
    id: str
    key: str | None
    kind: str
    proto: object
    fragment_id: str
    run: int                            # the run counter when it was last drawn
    path: tuple = ()                    # where it sits in the page (the delta path)
    _data: dict | None = dataclasses.field(default=None, repr=False, compare=False)    # data(), parsed once

    @property
    def disabled(self) -> bool:
        return bool(getattr(self.proto, "disabled", False))

    def value_state(self) -> WidgetState | None:
        """The WidgetState a browser holds for this widget when it is first drawn (None: a trigger)."""
        p, ws = self.proto, WidgetState(id=self.id)
        k = self.kind
        if k == "number_input":
            ws.double_value = p.value if p.set_value else p.default
        elif k == "slider":
            if p.type == SliderProto.SELECT_SLIDER:
                values = list(p.raw_value) if p.set_value else [p.options[int(i)] for i in p.default]
                ws.string_array_value.data.extend(values)
            else:
                ws.double_array_value.data.extend(list(p.value) if p.set_value else list(p.default))
        elif k in ("selectbox", "radio"):
            if p.set_value:
                ws.string_value = p.raw_value
            elif len(p.options):
                ws.string_value = p.options[p.default]
            else:
                return None
        elif k == "checkbox":
            ws.bool_value = p.value if p.set_value else p.default
        elif k in ("text_input", "text_area"):
            ws.string_value = p.value if p.set_value else p.default
        elif k == "expandable":
            ws.bool_value = p.expanded
        elif k == "tab_container":
            ws.string_value = p.default_tab_label
        else:
            return None
        return ws

    def state_for(self, value) -> WidgetState:
        """The WidgetState a browser sends when a person sets this widget to value."""
        p, ws, k = self.proto, WidgetState(id=self.id), self.kind
        if k == "number_input":
            ws.double_value = float(value)
        elif k == "slider":
            values = list(value) if isinstance(value, (tuple, list)) else [value]
            if p.type == SliderProto.SELECT_SLIDER:
                ws.string_array_value.data.extend(str(v) for v in values)
            else:
                ws.double_array_value.data.extend(float(v) for v in values)
        elif k in ("selectbox", "radio", "text_input", "text_area", "tab_container"):
            ws.string_value = str(value)
        elif k in ("checkbox", "expandable"):
            ws.bool_value = bool(value)
        else:
            raise ValueError(f"cannot set a {k} widget ({self.key})")
        return ws

    def options(self) -> list:
        """The choices of a selectbox, radio or select_slider (as the strings a browser sends)."""
        return list(getattr(self.proto, "options", []))

    def data(self) -> dict:
        """A v2 component's `data` as the page sent it (its JSON; {} for anything else). Parsed once."""
        if self.kind != "bidi_component":
            return {}
        if self._data is None:
            raw = self.proto.mixed.json if self.proto.HasField("mixed") else self.proto.json
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = {}
            self._data = parsed if isinstance(parsed, dict) else {}
        return self._data


@dataclasses.dataclass
class StepperTracker:
    """The step an in-browser stepper (rnnviz/ui/assets/stepper.js) shows, and when it tells Python.

    t        the step the browser shows (stepping changes it with no message)
    synced   the step the component's state last held (what Python was told, or its default)
    last     the step Python sent in the last data
    moved    the count of Python's own moves the last data carried (data["moved"]; None: not sent)
    The JS reports t (setStateValue, one fragment rerun) after a pause when t != synced, and, when new data
    carries a step Python moved (a new `moved` count; without one: server != last and != synced), adopts it
    and reports it at once.
    """
    t: int
    synced: int
    last: int
    T: int
    moved: int | None = None

    @classmethod
    def mounted(cls, data: dict) -> "StepperTracker":
        T = int(data.get("T", 0))
        step = max(0, min(T, int(data.get("step", 0) or 0)))
        return cls(step, step, step, T, data.get("moved"))

    def redrawn(self, data: dict) -> bool:
        """New data drawn into a mounted stepper; True if the JS reports the step now (Python moved it)."""
        self.T = int(data.get("T", self.T))
        server = max(0, min(self.T, int(data.get("step", 0) or 0)))
        moved = data.get("moved")
        follow = moved != self.moved if moved is not None else (server != self.last and server != self.synced)
        if follow:
            self.t = self.synced = server
        self.moved = moved
        self.last = server
        self.t = max(0, min(self.T, self.t))
        return follow


@dataclasses.dataclass
class Interaction:
    """One rerun a student asked for: what, how long from send to script_finished, what went wrong."""
    action: str
    page: str
    start: float                        # time.perf_counter() at send
    latency: float | None               # seconds to script_finished; None if it never finished
    fragment: bool
    messages: int = 0
    bytes: int = 0
    exceptions: list = dataclasses.field(default_factory=list)    # "Type: message" of exception elements
    error: str | None = None            # disconnect or timeout

    @property
    def ok(self) -> bool:
        return self.error is None and not self.exceptions and self.latency is not None


class Session:
    """One browser tab. ``await Session(url).open(page)`` connects and runs a page; then ``click``, ``set``,
    ``switch_page``; ``close``. Every call returns an Interaction (nothing raises for a server error)."""

    def __init__(self, url: str, *, timeout: float = 30.0, cookie: str | None = None, origin: bool = True,
                 query_string: str = ""):
        parsed = require_loopback(url)
        scheme = "wss" if parsed.scheme in ("https", "wss") else "ws"
        base = parsed.path.rstrip("/")
        self.http_url = f"{'https' if scheme == 'wss' else 'http'}://{parsed.netloc}{base}"
        self.ws_url = f"{scheme}://{parsed.netloc}{base}/_stcore/stream"
        self.origin = f"{'https' if scheme == 'wss' else 'http'}://{parsed.netloc}" if origin else None
        self.timeout, self.cookie = timeout, cookie
        self.query_string = query_string
        self.ws = None
        self.session_id: str | None = None
        self.page_hash = ""                         # the page the server is showing
        self.pages: dict[str, str] = {}             # url_pathname and page_name -> page_script_hash
        self.page_names: dict[str, str] = {}        # page_script_hash -> page name
        self.widgets: dict[str, Widget] = {}        # widget id -> Widget
        self.blocks: dict[str, set] = {}            # fragment id -> paths of the blocks it drew (its scope)
        self.states: dict[str, WidgetState] = {}    # widget id -> the value the browser holds
        self.upstream: str | None = None            # a proxy's X-Upstream response header, if any
        self.closed_reason: str | None = None
        self._run = 0                               # rerun requests sent
        self._fragment = ""                         # the fragment the last request reran ("" = whole page)
        self._reader: asyncio.Task | None = None
        self._waiter: asyncio.Future | None = None
        self._current: Interaction | None = None
        self.timer: tuple | None = None             # (interval s, fragment id) of the page's run_every timer
        self.steppers: dict[str, StepperTracker] = {}   # component id -> what its JS shows and has reported
        self.follow: list[str] = []                 # component ids whose JS reports a step Python moved

    # ---- connection ----------------------------------------------------------------------------------------

    async def connect(self, existing_session_id: str | None = None) -> None:
        # Streamlit reads the XSRF token and the old session id from entries 2 and 3 of the subprotocol
        # list and selects entry 1; a placeholder XSRF token simply validates as "none given".
        protocols = ["streamlit"] + (["xsrf-none", existing_session_id] if existing_session_id else [])
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await ws_connect(self.ws_url, subprotocols=protocols, additional_headers=headers,
                                   origin=self.origin, max_size=None, proxy=None, open_timeout=self.timeout,
                                   compression=None)
        tried = self.ws.response.headers.get("X-Upstream") if self.ws.response else None
        self.upstream = tried.split(",")[-1].strip() if tried else None     # nginx lists every replica it tried
        self.closed_reason = None
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
        self.ws = self._reader = None

    async def reconnect(self) -> None:
        """As a browser does after a lost connection: connect again, asking for the old session."""
        await self.close()
        await self.connect(existing_session_id=self.session_id)

    # ---- what a person does --------------------------------------------------------------------------------

    async def open(self, page: str | None = None, action: str = "open") -> Interaction:
        """Connect if needed and run a page (None: the app's main page) by url path or title."""
        if self.ws is None:
            await self.connect()
        if page and page not in self.pages:                  # a first visit: the browser sends the URL's path
            return await self.rerun(action, page_hash="", page_name=page)
        return await self.rerun(action, page_hash=self._page_hash(page) if page else "")

    async def switch_page(self, page: str) -> Interaction:
        return await self.rerun(f"switch:{page}", page_hash=self._page_hash(page))

    async def click(self, key: str) -> Interaction:
        w = self.widget(key)
        trigger = WidgetState(id=w.id, trigger_value=True)
        return await self.rerun(f"click:{key}", extra=trigger, fragment_id=w.fragment_id)

    async def set(self, key: str, value) -> Interaction:
        w = self.widget(key)
        self.states[w.id] = w.state_for(value)
        return await self.rerun(f"set:{key}", fragment_id=w.fragment_id)

    def component_state(self, key: str) -> dict:
        """The JSON state the browser holds for the v2 component with this key ({} before its JS set any)."""
        ws = self.states.get(self.widget(key).id)
        return json.loads(ws.json_value) if ws is not None and ws.HasField("json_value") else {}

    async def set_state(self, key: str, action: str | None = None, **values) -> Interaction:
        """What a v2 component's ``setStateValue(name, value)`` does: merge into its JSON state and rerun its
        fragment (the whole page when it is not in one)."""
        w = self.widget(key)
        ws = WidgetState(id=w.id)
        ws.json_value = json.dumps({**self.component_state(key), **values}, separators=(",", ":"))
        self.states[w.id] = ws
        return await self.rerun(action or f"state:{key}", fragment_id=w.fragment_id)

    def stepper(self, key: str) -> StepperTracker:
        """What the stepper with this key shows in the (simulated) browser (KeyError if it is not drawn)."""
        w = self.widget(key)
        if w.id not in self.steppers:
            self.steppers[w.id] = StepperTracker.mounted(w.data())
        return self.steppers[w.id]

    async def pause(self, key: str) -> Interaction | None:
        """Stepping paused: the stepper reports its step (one fragment rerun), or nothing when it shows the
        step it last reported (stepped forward and back again)."""
        tr = self.stepper(key)
        if tr.t == tr.synced:
            return None
        tr.synced = tr.t
        return await self.set_state(key, f"pause:{key}", step=tr.t)

    async def follow_ups(self) -> list:
        """The reruns the browser sends by itself after a run: a stepper reporting a step Python moved."""
        done = []
        while self.follow and len(done) < 4:                  # bounded: each report settles its stepper
            wid = self.follow.pop(0)
            w = self.widgets.get(wid)
            if w is None or w.key is None or wid not in self.steppers:
                continue
            ws = WidgetState(id=wid)
            ws.json_value = json.dumps({**self.component_state(w.key), "step": self.steppers[wid].t},
                                       separators=(",", ":"))
            self.states[wid] = ws
            done.append(await self.rerun(f"follow:{w.key}", fragment_id=w.fragment_id))
        self.follow.clear()
        return done

    async def tick(self) -> Interaction:
        """What the browser's timer does for a fragment with run_every: rerun that fragment (KeyError if the
        last run started no timer)."""
        if self.timer is None:
            raise KeyError("the page runs no timer")
        return await self.rerun("tick", fragment_id=self.timer[1])

    def widget(self, key: str) -> Widget:
        """The widget with this key in the last run (KeyError if the page did not draw it)."""
        for w in self.widgets.values():
            if w.key == key:
                return w
        raise KeyError(f"no widget with key {key!r} on the page (keys: {sorted(self.keys())})")

    def keys(self) -> set:
        return {w.key for w in self.widgets.values() if w.key}

    def has(self, key: str) -> bool:
        return key in self.keys()

    def page_title(self) -> str:
        return self.page_names.get(self.page_hash, self.page_hash[:8])

    # ---- the protocol ----------------------------------------------------------------------------------------

    def _page_hash(self, page: str) -> str:
        if page in self.pages:
            return self.pages[page]
        if page in self.page_names:
            return page
        raise KeyError(f"no page {page!r}: the app has {sorted(self.pages)}")

    async def rerun(self, action: str = "rerun", *, page_hash: str | None = None, extra: WidgetState | None = None,
                    fragment_id: str = "", page_name: str = "") -> Interaction:
        """Send one rerun request and wait for its script_finished (FINISHED_EARLY_FOR_RERUN: keep waiting)."""
        it = Interaction(action, self.page_title(), time.perf_counter(), None, bool(fragment_id))
        if self.ws is None or self.closed_reason:
            it.error = f"not connected ({self.closed_reason or 'closed'})"
            return it
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        if page_name:
            cs.page_name = page_name
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(self.states.values())
        if extra is not None:
            cs.widget_states.widgets.append(extra)
        self._run += 1                                   # widgets drawn from now on belong to this run
        self._fragment = fragment_id
        self._current = it
        self._waiter = asyncio.get_running_loop().create_future()
        it.start = time.perf_counter()
        try:
            await self.ws.send(msg.SerializeToString())
            await asyncio.wait_for(asyncio.shield(self._waiter), self.timeout)
            it.latency = time.perf_counter() - it.start
        except asyncio.TimeoutError:
            it.error = f"timeout: no script_finished within {self.timeout:g} s"
        except (ConnectionClosed, ProtocolError, OSError) as err:
            it.error = f"disconnected: {err}"
        finally:
            self._current = self._waiter = None
        return it

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self._handle(raw)
        except ConnectionClosed as err:
            self.closed_reason = f"connection closed ({err.rcvd.code if err.rcvd else 'no close frame'})"
        except Exception as err:                                  # a bad message: report it, do not hang
            self.closed_reason = f"reader failed: {type(err).__name__}: {err}"
        else:
            self.closed_reason = "connection closed by the server"
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ProtocolError(self.closed_reason))

    def _handle(self, raw: bytes) -> None:
        m = ForwardMsg()
        m.ParseFromString(raw)
        it = self._current
        if it is not None:
            it.messages += 1
            it.bytes += len(raw)
        kind = m.WhichOneof("type")
        if kind == "delta":
            self._delta(m)
        elif kind == "new_session":
            ns = m.new_session
            self.session_id = ns.initialize.session_id or self.session_id
            self.page_hash = ns.page_script_hash or self.page_hash
            if not m.metadata.run.fragment_ids:          # a full run (even one a fragment's callback asked for):
                self.timer = None                        # the browser drops every timer; the run starts its own
                self.blocks.clear()                      # and it draws every fragment's blocks again
        elif kind == "navigation":
            for p in m.navigation.app_pages:
                self.pages[p.url_pathname or p.page_name] = p.page_script_hash
                self.pages[p.page_name] = p.page_script_hash
                self.page_names[p.page_script_hash] = p.page_name or "main"
            self.page_hash = m.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = m.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.timer = (m.auto_rerun.interval, m.auto_rerun.fragment_id)
        elif kind == "stop_auto_rerun":                  # a fragment rerun no longer drew the timer's fragment
            if self.timer is not None and self.timer[1] in m.stop_auto_rerun.fragment_ids:
                self.timer = None
        elif kind == "script_finished":
            status = m.script_finished
            if status in DONE:
                self._finish(fragment=status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
                if self._waiter is not None and not self._waiter.done():
                    self._waiter.set_result(status)

    def _delta(self, m: ForwardMsg) -> None:
        d = m.delta
        path = tuple(m.metadata.delta_path)
        which = d.WhichOneof("type")
        if which == "new_element":
            el = d.new_element
            kind = el.WhichOneof("type")
            if kind == "exception" and self._current is not None:
                self._current.exceptions.append(f"{el.exception.type}: {el.exception.message}")
            if kind in WIDGET_ELEMENTS:
                self._saw(getattr(el, kind), kind, d.fragment_id, path)
        elif which == "add_block":
            if d.fragment_id:
                self.blocks.setdefault(d.fragment_id, set()).add(path)
            blk = d.add_block
            kind = blk.WhichOneof("type")
            if kind in WIDGET_BLOCKS:
                inner = getattr(blk, kind)
                if getattr(inner, "id", ""):
                    self._saw(inner, kind, d.fragment_id, path)

    def _in_scope(self, w: Widget, fragment_id: str) -> bool:
        """True when a run of fragment_id redraws w: w is the fragment's own, or sits in a block the fragment
        drew (a fragment nested in it: the browser clears what such a run did not draw again)."""
        return w.fragment_id == fragment_id or any(w.path[:len(b)] == b for b in self.blocks.get(fragment_id, ()))

    def _saw(self, proto, kind: str, fragment_id: str, path: tuple = ()) -> None:
        wid = proto.id
        w = Widget(wid, key_of(wid), kind, proto, fragment_id, self._run, path)
        self.widgets[wid] = w
        # A browser takes a value the server set (set_value) and otherwise keeps the one it holds.
        if getattr(proto, "set_value", False) or wid not in self.states:
            state = w.value_state()
            if state is not None:
                self.states[wid] = state
            else:
                self.states.pop(wid, None)

    def _finish(self, fragment: bool) -> None:
        """After a run, forget the widgets it did not draw (after a fragment run: only that fragment's); run
        the steppers' JS on the data this run drew."""
        for wid, w in list(self.widgets.items()):
            if w.run == self._run or (fragment and not self._in_scope(w, self._fragment)):
                continue
            del self.widgets[wid]
            self.states.pop(wid, None)
            self.steppers.pop(wid, None)                  # unmounted: the next mount starts from Python's step
        for wid, w in self.widgets.items():
            if w.kind != "bidi_component" or w.run != self._run or not {"T", "step"} <= w.data().keys():
                continue
            if wid not in self.steppers:
                self.steppers[wid] = StepperTracker.mounted(w.data())
            elif self.steppers[wid].redrawn(w.data()):
                self.follow.append(wid)
