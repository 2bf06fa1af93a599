"""A class of simulated students: each is one Session that acts at Poisson times.

A student opens a page (mostly "Step through time"), then, every ``mean_gap`` seconds on average
(exponential gaps), does one thing a student does on that page: step through time (most often), change a
control (the sidebar model, the sequence, a page control, the BPTT or the padding page's tab), train for one
update or briefly, and now and then switch page.

Stepping is what the pages' in-browser stepper does: a few steps forward (now and then back, back to the
first step at the end, or play to the end), all drawn in the browser with no message, then a pause, which
sends ONE rerun of the stepper's fragment carrying the new step (``Session.pause``); a burst that ends on the
step already reported sends nothing. After any run the simulated browser also sends what the stepper's JS
sends by itself (``Session.follow_ups``: a step Python moved, e.g. a shorter sequence, is reported back).
When its connection drops it reconnects as a browser does (same session id asked for) and reopens its page.
Everything is bounded: the run stops at ``seconds``, each student makes at most ``max_actions``
interactions, and each reconnect is tried at most ``max_reconnects`` times.
"""
from __future__ import annotations

import asyncio
import dataclasses
import random
import time
import urllib.request

from .protocol import Interaction, Session, require_loopback

PAGES = {"Step_through_time": 0.45, "Back-propagation_through_time": 0.25, "Padding_and_batches": 0.15,
         "Train_and_generalise": 0.15}
SIDEBAR = ("model_H", "model_seed", "model_scale", "model_f_s", "sequence_T", "sequence_pads")
STEPPERS = {"Step through time": "step_stepper", "Back-propagation through time": "bptt_stepper"}
BPTT_TABS = ("Step backward", "Contributions and the proof", "The derivation", "Vanishing and exploding",
             "Truncation and clipping")
PADDING = ("padding_lengths_0", "padding_lengths_1", "padding_lengths_2", "padding_bias", "padding_extra",
           "padding_B")
PADDING_TABS = ("One padded batch", "The states, with and without the mask", "The proof",
                "Two ways to make minibatches")


@dataclasses.dataclass
class Student:
    """What one simulated student did: its interactions and the replicas (X-Upstream) it was served by."""
    index: int
    interactions: list = dataclasses.field(default_factory=list)
    upstreams: list = dataclasses.field(default_factory=list)      # (time, upstream) at each (re)connect
    session_ids: list = dataclasses.field(default_factory=list)
    reconnects: int = 0
    gave_up: str | None = None


def fetch_cookies(http_url: str, timeout: float = 10.0) -> str | None:
    """GET the app's page as a browser does first and return its cookies as a Cookie header (a proxy's
    sticky-session cookie, Streamlit's XSRF cookie), or None when it sets none. Loopback only."""
    require_loopback(http_url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))       # never through a proxy
    with opener.open(http_url + "/", timeout=timeout) as resp:
        cookies = [h.split(";", 1)[0] for h in resp.headers.get_all("Set-Cookie") or []]
    return "; ".join(cookies) or None


def choose_action(s: Session, rng: random.Random) -> tuple:
    """(kind, key or page, value) of the next thing a student does on the page the session shows."""
    page = s.page_names.get(s.page_hash, "")
    r = rng.random()
    if r < 0.08:
        other = [p for p in PAGES if s.pages.get(p) != s.page_hash]
        return ("switch", rng.choices(other, [PAGES[p] for p in other])[0], None)
    if r < 0.20:
        return _control(s, rng, SIDEBAR)
    if page == "Step through time":
        if s.has("step_stepper") and r < 0.94:
            return _steps(s, rng, "step_stepper")
        return _control(s, rng, ("step_reveal",))
    if page == "Back-propagation through time":
        if s.has("bptt_stepper") and r < 0.80:
            return _steps(s, rng, "bptt_stepper")
        if s.has("bptt_tab") and r < 0.90:
            return ("set", "bptt_tab", rng.choice(BPTT_TABS))
        return _control(s, rng, ("bptt_objective", "bptt_rescale", "bptt_contrib_t", "bptt_k", "bptt_reveal"))
    if page == "Padding and batches":
        if s.has("padding_tab") and r < 0.45:
            return ("set", "padding_tab", rng.choice(PADDING_TABS))
        return _control(s, rng, PADDING)
    if page == "Train and generalise":
        if s.has("train_one") and r < 0.55:
            return ("click", "train_one", None)                  # one minibatch update
        if s.has("train_start_pause") and not s.widget("train_start_pause").disabled and r < 0.85:
            return ("train", None, None)                         # trains briefly: Start, the live view, Pause
        return _control(s, rng, ("train_lr", "train_f_s", "train_H"))      # the box of finer settings stays shut
    return _control(s, rng, SIDEBAR)


def _steps(s: Session, rng: random.Random, key: str) -> tuple:
    """("steps", stepper key, the step the burst ends on): 1-6 steps in the browser, forward most of the
    time, back now and then, to the first step from the last (its button); sometimes play to the end."""
    tr = s.stepper(key)
    t = tr.t
    if rng.random() < 0.1:
        return ("steps", key, tr.T if t < tr.T else 0)              # Play runs to the end; at the end: first
    for _ in range(rng.randint(1, 6)):
        if t >= tr.T:
            t = 0
        elif rng.random() < 0.15 and t > 0:
            t -= 1
        else:
            t += 1
    return ("steps", key, t)


def _control(s: Session, rng: random.Random, keys) -> tuple:
    """A new value for one of the keyed controls on screen (within its range or options)."""
    present = [k for k in keys if s.has(k) and not s.widget(k).disabled]
    if not present:
        present = [k for k in SIDEBAR if s.has(k)]
    if not present:
        return ("rerun", None, None)
    key = rng.choice(present)
    w = s.widget(key)
    p = w.proto
    if w.kind == "number_input":
        lo = p.min if p.has_min else 0
        hi = min(p.max if p.has_max else lo + 20, lo + 12)      # small models: a class, not a stress test
        return ("set", key, rng.randint(int(lo), int(hi)))
    if w.kind == "slider" and w.options():
        return ("set", key, rng.choice(w.options()))
    if w.kind == "slider":
        steps = int(round((p.max - p.min) / p.step)) if p.step else 0
        return ("set", key, p.min + p.step * rng.randint(0, max(steps, 0)))
    if w.kind in ("selectbox", "radio"):
        return ("set", key, rng.choice(w.options()))
    if w.kind == "checkbox":
        return ("set", key, rng.random() < 0.5)
    return ("rerun", None, None)


async def act(s: Session, action: tuple) -> list:
    """Do the action; returns its interactions (training briefly is several)."""
    kind, what, value = action
    if kind == "switch":
        return [await s.switch_page(what)]
    if kind == "steps":                                  # in the browser; the pause sends one rerun (or none)
        s.stepper(what).t = value
        it = await s.pause(what)
        return [it] if it is not None else []
    if kind == "click":
        done = [await s.click(what)]
    elif kind == "set":
        done = [await s.set(what, value)]
    elif kind == "train":
        return await train_briefly(s)
    else:
        done = [await s.rerun("rerun")]
    if done[-1].ok:
        done += await s.follow_ups()                    # what the page's JS sends by itself after the run
    return done


async def train_briefly(s: Session, seconds: float = 2.0) -> list:
    """Start training, watch the live view for `seconds` (its timer's reruns, sent as a browser sends them: one
    each interval), then Pause. How long a student watches does not depend on the timer's interval; 2 s is
    about what five reruns took at the page's earlier interval (0.2 s, each rerun training 0.15 s)."""
    started = time.perf_counter()
    done = [await s.click("train_start_pause")]
    while time.perf_counter() - started < seconds and done[-1].ok and s.timer is not None:
        await asyncio.sleep(s.timer[0])
        done.append(await s.tick())
    if done[-1].ok and s.has("train_start_pause") and s.widget("train_start_pause").proto.label == "Pause":
        done.append(await s.click("train_start_pause"))         # a run that ended by itself shows Start again
    return done


async def student(index: int, url: str, deadline: float, *, mean_gap: float, rng: random.Random,
                  start_delay: float = 0.0, first_page: str | None = None, cookies: bool = False,
                  max_actions: int = 10_000, max_reconnects: int = 5, timeout: float = 30.0,
                  actions=None, live: list | None = None) -> Student:
    """One student until the deadline (time.perf_counter()). actions(session, rng) picks what to do;
    live, if given, gets the Student record at once (to watch a run while it goes on)."""
    actions = actions or choose_action
    me = Student(index)
    if live is not None:
        live.append(me)
    await asyncio.sleep(start_delay)
    cookie = await asyncio.to_thread(fetch_cookies, url) if cookies else None
    s = Session(url, timeout=timeout, cookie=cookie)
    page = first_page or rng.choices(list(PAGES), list(PAGES.values()))[0]
    try:
        await s.connect()
    except Exception as err:                                      # refused before the first page: an error too
        me.gave_up = f"connect failed: {type(err).__name__}: {err}"
        me.interactions.append(Interaction("open", page, time.perf_counter(), None, False, error=me.gave_up))
        return me
    me.upstreams.append((time.perf_counter(), s.upstream))
    it = await s.open(page)
    me.interactions.append(it)
    me.session_ids.append(s.session_id)
    next_at = time.perf_counter() + rng.expovariate(1.0 / mean_gap)
    try:
        while len(me.interactions) < max_actions:
            now = time.perf_counter()
            if next_at >= deadline or now >= deadline:         # a backlogged student stops on time too
                break
            if next_at > now:
                await asyncio.sleep(next_at - now)
            next_at += rng.expovariate(1.0 / mean_gap)              # Poisson: the schedule does not wait
            if s.closed_reason or s.ws is None:
                if not await _reconnect(s, me, page, max_reconnects, deadline):
                    break
                continue
            try:
                action = actions(s, rng)
            except KeyError:
                action = ("rerun", None, None)
            done = await act(s, action)
            if not done:                                          # steps in the browser only: no message
                continue
            me.interactions.extend(done)
            it = done[-1]
            if it.action.startswith("switch:") and it.ok:
                page = it.action.split(":", 1)[1]
            if it.error and (s.closed_reason or "disconnected" in it.error):
                if not await _reconnect(s, me, page, max_reconnects, deadline):
                    break
    finally:
        await s.close()
    return me


async def _reconnect(s: Session, me: Student, page: str, attempts: int, deadline: float) -> bool:
    """Reconnect like a browser (asking for the old session) and reopen the page; False after giving up."""
    delay = 0.2
    for _ in range(attempts):
        if time.perf_counter() + delay >= deadline:
            return False
        await asyncio.sleep(delay)
        try:
            await s.reconnect()
        except Exception as err:
            me.gave_up = f"reconnect failed: {type(err).__name__}: {err}"
            delay = min(delay * 2, 2.0)
            continue
        me.reconnects += 1
        me.upstreams.append((time.perf_counter(), s.upstream))
        it = await s.open(page, action="reopen")
        me.interactions.append(it)
        if it.ok:
            me.session_ids.append(s.session_id)
            me.gave_up = None
            return True
        delay = min(delay * 2, 2.0)
    return False


async def run_class(url: str, n_students: int, seconds: float, *, mean_gap: float = 2.0, ramp: float = 10.0,
                    seed: int = 0, cookies: bool = False, first_page: str | None = None, timeout: float = 30.0,
                    actions=None, on_start=None, live: list | None = None) -> list:
    """n_students students for `seconds` (after a ramp during which they arrive, evenly spread).

    on_start(students_task), if given, is awaited concurrently (e.g. to stop a replica mid-run).
    Returns the Student records.
    """
    require_loopback(url)
    start = time.perf_counter()
    deadline = start + ramp + seconds
    rngs = [random.Random(seed * 100_003 + i) for i in range(n_students)]
    tasks = [student(i, url, deadline, mean_gap=mean_gap, rng=rngs[i], start_delay=ramp * i / max(n_students, 1),
                     first_page=first_page, cookies=cookies, timeout=timeout, actions=actions, live=live)
             for i in range(n_students)]
    gathered = asyncio.gather(*tasks)
    if on_start is not None:
        await asyncio.gather(gathered, on_start())
    else:
        await gathered
    return gathered.result()
