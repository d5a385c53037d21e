"""The participatory classroom's web server: plain HTTP, JSON endpoints, plain HTML and JavaScript pages.

    python -m classroom.live.server --port 8766 --host 127.0.0.1 --lang zh [--resume FILE] --save FILE

`govsim class` starts it as a child (`govsim.cli.serve`), with the teacher's token and the join
code in its environment (GOVSIM_CLASS_TEACHER, GOVSIM_CLASS_CODE, GOVSIM_CLASS_URL). Nothing is
fetched from outside: the pages, their script, the font and the QR code are served from here,
so a phone's browser (WeChat's included) needs only the classroom network.

Endpoints (JSON in and out; every change carries a fresh nonce, decisions also the round):

    GET  /                      the join page (students)           POST /api/join     {code, nickname, role, nonce}
    GET  /play                  a role's page (token in #t=...)     GET  /api/me       (X-Student-Token)
                                                                    POST /api/decide   {round, nonce, decision}
                                                                    POST /api/leave    {nonce}
    GET  /teacher?t=TOKEN       the projector's screen              GET  /api/teacher/state (X-Teacher-Token)
                                                                    POST /api/teacher/action {action, nonce, ...}
    GET  /api/teacher/qr.svg, /api/teacher/debrief.png, debrief.csv, compounds.csv  (X-Teacher-Token or ?t=)
    GET  /api/roles             places free per role (for the join page)

The teacher's token is checked by the server on every teacher request (never only hidden in a
page); a student's token opens only that student's role. A refused request changes nothing.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..presets import PRESETS, title
from .roles import ROLES, Refused, slots_free, view
from .street import ClassStreet
from .words import WORDS

PAGES = Path(__file__).parent / "pages"
FONT = Path(__file__).resolve().parents[2] / "model" / "fonts" / "NotoSansSC-govsim.otf"
MAX_BODY = 4096  # bytes: every request of a phone or the teacher is far smaller
LONG_POLL_SECONDS = 25.0  # the longest a teacher's `until_played` request waits for a round (under clients' 30 s)
STATIC = {"live.js": "text/javascript", "style.css": "text/css", "qr.js": "text/javascript"}
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def refused(exc: Refused) -> JSONResponse:
    return JSONResponse({"ok": False, "why": exc.why}, status_code=exc.status, headers=HEADERS)


async def body(request: Request) -> dict:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Refused("why_malformed", status=413)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Refused("why_malformed") from None
    if not isinstance(data, dict):
        raise Refused("why_malformed")
    return data


class Ticker(threading.Thread):
    """Closes a round as soon as it is due: everyone here decided, or the countdown ran out."""

    def __init__(self, street: ClassStreet):
        super().__init__(daemon=True, name="govsim-class-ticker")
        self.street = street
        self.stopping = False

    def run(self) -> None:
        st = self.street
        with st.changed:
            while not self.stopping:
                if st.due():
                    st.play_round()
                    continue
                wait = 0.25
                if st.deadline is not None:
                    wait = max(0.0, min(wait, st.deadline - st.clock()))
                st.changed.wait(timeout=wait)


def make_app(street: ClassStreet, teacher_token: str, join_code: str, lang: str, join_url: str) -> Starlette:
    st = street

    def is_teacher(request: Request) -> bool:
        given = request.headers.get("x-teacher-token") or request.query_params.get("t") or ""
        return hmac.compare_digest(given.encode("utf-8", "replace"), teacher_token.encode())

    def page(name: str, **extra) -> HTMLResponse:
        html = (PAGES / name).read_text(encoding="utf-8")
        boot = {"lang": lang, "words": {k: {"en": v[0], "zh": v[1]} for k, v in WORDS.items()}, **extra}
        html = html.replace("/*BOOT*/", "window.BOOT = " + json.dumps(boot, ensure_ascii=False).replace("</", "<\\/") + ";")
        return HTMLResponse(html, headers={**HEADERS, "Content-Security-Policy":
                                           "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                           "script-src 'self' 'unsafe-inline'; font-src 'self'; connect-src 'self'"})

    async def join_page(request: Request):
        return page("join.html")

    async def play_page(request: Request):
        return page("play.html")

    async def teacher_page(request: Request):
        if not is_teacher(request):
            return PlainTextResponse("403: the teacher's screen needs the teacher's link (printed by govsim class)",
                                     status_code=403, headers=HEADERS)
        return page("teacher.html", presets={k: {"en": title(k, "en"), "zh": title(k, "zh")} for k in PRESETS},
                    join_url=join_url, code=join_code)

    async def static(request: Request):
        name = request.path_params["name"]
        if name == "govsim-cjk.otf":
            return FileResponse(FONT, media_type="font/otf")
        if name not in STATIC:
            return PlainTextResponse("404", status_code=404)
        return FileResponse(PAGES / name, media_type=STATIC[name], headers=HEADERS)

    def free_places() -> dict:
        here = [p for p in st.players.values() if not p.left]
        taken, held = {p.slot for p in here}, {c for p in here for c in p.contracts}
        return {"free": {r: len(slots_free(st.main.model, r, taken, held)) for r in ROLES}, "phase": st.phase}

    async def roles(request: Request):
        return JSONResponse(await locked(free_places), headers=HEADERS)

    async def join(request: Request):
        try:
            data = await body(request)
            code = data.get("code")
            if not isinstance(code, str) or not hmac.compare_digest(code.strip().encode("utf-8", "replace"),
                                                                    join_code.encode()):
                raise Refused("why_code", status=403)
            if not isinstance(data.get("nickname"), str) or not isinstance(data.get("role"), str):
                raise Refused("why_malformed")

            def join_now():
                st.check_nonce(data.get("nonce"))  # a replayed join takes no second place
                p = st.join(data["nickname"], data["role"])
                st.nonces.add(data["nonce"])
                return p

            p = await locked(join_now)
        except Refused as exc:
            return refused(exc)
        return JSONResponse({"ok": True, "token": p.token, "role": p.role, "slot": p.slot}, headers=HEADERS)

    def me_state(p) -> dict:
        remaining = None if st.deadline is None else max(0.0, st.deadline - st.clock())
        return {"ok": True, "nickname": p.nickname, "role": p.role, "slot": p.slot, "phase": st.phase,
                "round": st.round if st.phase == "ended" else st.round + 1, "week": st.main.steps, "remaining": remaining,
                "decision": st.decided(p), "view": view(st.main.model, p)}

    def locked(fn, *args):
        """Work on the shared street in a worker thread, under its lock: the event loop never waits for a round."""
        def run():
            with st.lock:
                return fn(*args)
        return run_in_threadpool(run)

    async def me(request: Request):
        try:
            p = await locked(st.player, request.headers.get("x-student-token", ""))
            return JSONResponse(await locked(me_state, p), headers=HEADERS)
        except Refused as exc:
            return refused(exc)

    async def decide(request: Request):
        try:
            data = await body(request)
            token = request.headers.get("x-student-token", "")

            def decide_now():
                st.decide(token, data.get("round"), data.get("nonce"), data.get("decision"))
                return me_state(st.player(token))  # the answer shows the decision kept for this round

            return JSONResponse(await locked(decide_now), headers=HEADERS)
        except Refused as exc:
            return refused(exc)

    async def leave(request: Request):
        try:
            data = await body(request)
            token = request.headers.get("x-student-token", "")

            def leave_now():
                st.player(token)
                st.check_nonce(data.get("nonce"))
                st.nonces.add(data["nonce"])
                st.leave(token)

            await locked(leave_now)
        except Refused as exc:
            return refused(exc)
        return JSONResponse({"ok": True}, headers=HEADERS)

    async def teacher_state(request: Request):
        if not is_teacher(request):
            return refused(Refused("why_token", status=403))
        from .debrief import teacher_state as state

        since = request.query_params.get("since", "0")
        until = request.query_params.get("until_played", "")

        def state_when_played():
            """With `until_played=N`, answer once N rounds are played (or the class ended): the round's
            closing wakes the wait, nothing polls. The limit only keeps a request from hanging."""
            if until.isdigit():
                st.changed.wait_for(lambda: st.round >= int(until) or st.phase == "ended", timeout=LONG_POLL_SECONDS)
            return state(st, int(since) if since.isdigit() else 0)

        return JSONResponse(await locked(state_when_played), headers=HEADERS)

    async def teacher_action(request: Request):
        if not is_teacher(request):
            return refused(Refused("why_token", status=403))
        try:
            data = await body(request)
            action = data.get("action")
            if not isinstance(action, str):
                raise Refused("why_malformed")
            kw = {k: v for k, v in data.items() if k not in ("action", "nonce")}
            await locked(lambda: st.teacher_action(data.get("nonce"), action, **kw))
        except Refused as exc:
            return refused(exc)
        return JSONResponse({"ok": True}, headers=HEADERS)

    async def qr(request: Request):
        if not is_teacher(request):
            return refused(Refused("why_token", status=403))
        from .qr import qr_svg

        return Response(qr_svg(join_url), media_type="image/svg+xml", headers=HEADERS)

    async def debrief_file(request: Request):
        if not is_teacher(request):
            return refused(Refused("why_token", status=403))
        from . import debrief

        name = request.path_params["name"]
        want = request.query_params.get("lang", lang)
        want = want if want in ("zh", "en") else lang
        if name == "debrief.png":
            return Response(await locked(debrief.figure_png, st, want), media_type="image/png", headers=HEADERS)
        if name in ("debrief.csv", "compounds.csv"):
            make = debrief.decisions_csv if name == "debrief.csv" else debrief.compounds_csv
            return Response(await locked(make, st, want), media_type="text/csv; charset=utf-8",
                            headers={**HEADERS, "Content-Disposition": f"attachment; filename=class-{name.replace('debrief', 'decisions')}"})
        return PlainTextResponse("404", status_code=404)

    routes = [
        Route("/", join_page), Route("/join", join_page), Route("/play", play_page), Route("/teacher", teacher_page),
        Route("/static/{name}", static), Route("/api/roles", roles), Route("/api/join", join, methods=["POST"]),
        Route("/api/me", me), Route("/api/decide", decide, methods=["POST"]), Route("/api/leave", leave, methods=["POST"]),
        Route("/api/teacher/state", teacher_state), Route("/api/teacher/action", teacher_action, methods=["POST"]),
        Route("/api/teacher/qr.svg", qr), Route("/api/teacher/{name}", debrief_file),
    ]
    return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    ap = argparse.ArgumentParser(prog="python -m classroom.live.server")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--lang", default="zh", choices=("zh", "en"))
    ap.add_argument("--resume", default=None)
    ap.add_argument("--save", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--households", type=int, default=None)
    ap.add_argument("--preset", default="baseline")
    a = ap.parse_args(argv)
    token, code = os.environ["GOVSIM_CLASS_TEACHER"], os.environ["GOVSIM_CLASS_CODE"]
    join_url = os.environ.get("GOVSIM_CLASS_URL", f"http://{a.host}:{a.port}/join?code={code}")
    if a.resume:
        street = ClassStreet.resume(a.resume, save_path=a.save or a.resume)
    else:
        kw = {} if a.households is None else {"households": a.households}
        street = ClassStreet(seed=a.seed, preset=a.preset, save_path=a.save, **kw)
    ticker = Ticker(street)
    ticker.start()
    app = make_app(street, token, code, a.lang, join_url)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if not self.should_exit:
                print("govsim class: ready", flush=True)  # listening now

    Server(uvicorn.Config(app, host=a.host, port=a.port, log_level="warning", access_log=False)).run()


if __name__ == "__main__":
    main()
