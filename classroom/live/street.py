"""The class's one shared street: players, rounds of four weeks, decisions, a lock, a save file.

The server holds one `ClassStreet` for the whole class (not one per browser connection).
Every request that reads or changes it takes `lock`. Each round the decisions of the players
who decided become a `model.overrides.Overrides`; every other role stays simulated. Beside
the class's street runs its twin: the same preset, seed and street played entirely by the
simulated rules (common random numbers), stepped in lockstep, so the debrief can show what the
class's decisions changed. After every round the class is written to its save file (the seed,
the presets and every round's decisions); `ClassStreet.resume(file)` replays it exactly.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from model.errors import GovsimError, writing
from model.overrides import Overrides, call_tender, leave_contract, take_vacancy
from model.parameters import BY_NAME, POLICY_GROUPS
from model.policies import Policies

from ..presets import DEMO_HOUSEHOLDS, PRESETS, preset_values
from ..session import Run
from .roles import ROLES, Refused, parse_decision, rule_decision, slots_free, to_overrides

ROUND_WEEKS = 4
SAVE_FORMAT = "govsim-class/1"
PRESENT_SECONDS = 20.0  # a player not heard from for this long is away: the simulated rule plays the role
MAX_PLAYERS = 200
NICK_MAX = 16
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PHASES = ("lobby", "deciding", "ended")


class ClassFileError(GovsimError):
    """A save file that cannot be resumed (missing, not a govsim class, damaged)."""


@dataclass
class Player:
    token: str
    nickname: str
    role: str
    slot: str  # "committee:3", "grid:5", "department:urban_management", "firm:7"
    contracts: set[int] = field(default_factory=set)  # a firm's compounds
    last_seen: float = 0.0
    left: bool = False

    @property
    def place(self) -> str:
        return self.slot.split(":", 1)[1]


def apply_preset(model, name: str) -> None:
    """Switch a running street's policies to a preset's (its policy rows only; the street stays)."""
    values = preset_values(name)
    for k, v in values.items():
        if BY_NAME[k].group in POLICY_GROUPS:
            model.p[k] = v
    model.policies = Policies(model.p)


class ClassStreet:
    def __init__(self, seed: int = 0, households: int = DEMO_HOUSEHOLDS, preset: str = "baseline",
                 save_path: str | Path | None = None, clock=time.monotonic):
        if preset not in PRESETS:
            raise ClassFileError(f"preset = {preset!r} is invalid; allowed: {', '.join(PRESETS)}")
        self.seed, self.households, self.preset = int(seed), int(households), preset
        self.save_path = Path(save_path) if save_path else None
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)  # notified when a decision or a teacher's action may close a round, and when one closed
        from model.model import CommunityModel

        def new() -> Run:
            run = Run(preset, CommunityModel(rng=self.seed, scenario=preset, n_households=self.households))
            run.record()
            return run

        self.main, self.twin = new(), new()
        self.round = 0  # rounds played so far; the one being decided is round + 1
        self.phase = "lobby"
        self.players: dict[str, Player] = {}
        self.decisions: dict[str, tuple[int, dict]] = {}  # slot -> (round, decision) of the round being decided
        self.nonces: set[str] = set()
        self.log: list[dict] = []  # one entry per round played: preset, decisions, what the rule would have done
        self.pace = {"mode": "all", "seconds": 90}
        self.deadline: float | None = None
        self.opened_at: float | None = None
        self.latency: list[dict] = []  # per round: seconds from the trigger (last decision, countdown) to the next round
        self.trigger_at: float | None = None
        self.last_decision_at: float | None = None

    # ---------------------------------------------------------------- people
    def join(self, nickname: str, role: str) -> Player:
        nickname = "".join(ch for ch in str(nickname) if ch.isprintable()).strip()
        if not 1 <= len(nickname) <= NICK_MAX:
            raise Refused("why_name")
        if role not in ROLES:
            raise Refused("why_malformed")
        with self.lock:
            if self.phase == "ended":
                raise Refused("why_not_open")
            if sum(not p.left for p in self.players.values()) >= MAX_PLAYERS or len(self.players) >= 5 * MAX_PLAYERS:
                raise Refused("why_full")
            here = [p for p in self.players.values() if not p.left]
            free = slots_free(self.main.model, role, {p.slot for p in here}, {c for p in here for c in p.contracts})
            if not free:
                raise Refused("why_full")
            slot = free[0]
            player = Player(secrets.token_urlsafe(18), nickname, role, slot, last_seen=self.clock())
            if role == "firm":
                player.contracts = set(self.main.model.firm_list[int(player.place)].contracts)
            self.players[player.token] = player
            self.changed.notify_all()
            return player

    def player(self, token: str) -> Player:
        p = self.players.get(token) if isinstance(token, str) else None
        if p is None or p.left:
            raise Refused("why_token", status=403)
        p.last_seen = self.clock()
        return p

    def leave(self, token: str) -> None:
        with self.lock:
            p = self.player(token)
            p.left = True
            self.changed.notify_all()

    def present(self, p: Player) -> bool:
        return not p.left and self.clock() - p.last_seen <= PRESENT_SECONDS

    # ---------------------------------------------------------------- decisions
    def check_nonce(self, nonce) -> None:
        """Each request carries a fresh nonce: one seen before is a replay and changes nothing."""
        if not isinstance(nonce, str) or not NONCE.match(nonce):
            raise Refused("why_malformed")
        if nonce in self.nonces:
            raise Refused("why_replay", status=409)

    def decide(self, token: str, round_no, nonce, decision) -> dict:
        with self.lock:
            p = self.player(token)
            self.check_nonce(nonce)
            if self.phase != "deciding":
                raise Refused("why_not_open", status=409)
            if not isinstance(round_no, int) or isinstance(round_no, bool) or round_no != self.round + 1:
                raise Refused("why_stale", status=409)
            d = parse_decision(self.main.model, p, decision)
            self.nonces.add(nonce)
            self.decisions[p.slot] = (self.round + 1, d)
            self.last_decision_at = self.clock()
            self.changed.notify_all()
            return d

    def decided(self, p: Player) -> dict | None:
        got = self.decisions.get(p.slot)
        return got[1] if got and got[0] == self.round + 1 else None

    def all_decided(self) -> bool:
        here = [p for p in self.players.values() if self.present(p)]
        return bool(here) and all(self.decided(p) is not None for p in here)

    # ---------------------------------------------------------------- the teacher
    def teacher_action(self, nonce, action: str, **kw) -> None:
        with self.lock:
            self.check_nonce(nonce)
            if action == "start":
                if self.phase != "lobby":
                    raise Refused("why_not_open", status=409)
                self.nonces.add(nonce)
                self._open()
            elif action == "close":
                if self.phase != "deciding" or kw.get("round") != self.round + 1:
                    raise Refused("why_stale", status=409)
                self.nonces.add(nonce)
                self.trigger_at = self.clock()
                self.play_round()
            elif action == "pace":
                mode, seconds = kw.get("mode"), kw.get("seconds")
                if mode not in ("all", "countdown") or not isinstance(seconds, int) or isinstance(seconds, bool) \
                        or not 5 <= seconds <= 1800:
                    raise Refused("why_malformed")
                self.nonces.add(nonce)
                self.pace = {"mode": mode, "seconds": seconds}
                if self.phase == "deciding":
                    self.deadline = self.clock() + seconds
            elif action == "preset":
                name = kw.get("preset")
                if name not in PRESETS or self.phase == "ended":
                    raise Refused("why_malformed")
                self.nonces.add(nonce)
                self.set_preset(name)
            elif action == "end":
                if self.phase == "ended":
                    raise Refused("why_not_open", status=409)
                self.nonces.add(nonce)
                self.phase = "ended"
                self.deadline = None
            else:
                raise Refused("why_malformed")
            self.changed.notify_all()

    def set_preset(self, name: str) -> None:
        """From the next round on, both streets run this preset's policies."""
        with self.lock:
            self.preset = name
            apply_preset(self.main.model, name)
            apply_preset(self.twin.model, name)

    def _open(self) -> None:
        self.phase = "deciding"
        self.opened_at = self.clock()
        self.deadline = self.clock() + self.pace["seconds"]  # "all" mode closes earlier when everyone has decided

    # ---------------------------------------------------------------- rounds
    def due(self) -> bool:
        """Should the round close now (everyone here decided, or the countdown ran out)? Sets `trigger_at`."""
        if self.phase != "deciding":
            return False
        if self.deadline is not None and self.clock() >= self.deadline:
            self.trigger_at = self.deadline
            return True
        if self.pace["mode"] == "all" and self.all_decided():
            self.trigger_at = self.last_decision_at or self.clock()
            return True
        return False

    def play_round(self) -> None:
        """Close the round: decisions of the players who made them, the rule for everyone else; four weeks."""
        with self.lock:
            r = self.round + 1
            played = {}
            self._follow_contracts()
            for p in self.players.values():
                d = self.decided(p)
                if d is None or p.left:
                    continue
                played[p.slot] = {"nickname": p.nickname, "role": p.role, "decision": d,
                                  "contracts": sorted(p.contracts),
                                  "rule": rule_decision(self.main.model, p.role, p.slot, sorted(p.contracts))}
            entry = {"round": r, "preset": self.preset, "played": played}
            self._step_round(entry)
            self.log.append(entry)
            self.round = r
            self.decisions = {k: v for k, v in self.decisions.items() if v[0] > r}
            self.save()
            if self.phase == "deciding":
                self._open()
            if self.trigger_at is not None:
                self.latency.append({"round": r, "seconds": self.clock() - self.trigger_at})
                self.trigger_at = None
            self.changed.notify_all()  # whoever waits for this round (a teacher's screen) hears at once

    def _follow_contracts(self) -> None:
        """A played company's contracts are whatever its company holds now (won, lost, left)."""
        for p in self.players.values():
            if p.role == "firm":
                p.contracts = set(self.main.model.firm_list[int(p.place)].contracts)

    def _acts(self, entry: dict) -> None:
        """What a round's decisions do at once, through the model's own machinery (model/overrides.py):
        committees' tenders, companies leaving contracts and taking vacancies."""
        m = self.main.model
        won, left = [], []
        for slot, v in sorted(entry["played"].items()):
            role, place = slot.split(":", 1)
            d = v["decision"]
            if role == "committee" and d["tender"]:
                call_tender(m, int(place))
            elif role == "firm":
                company = m.firm_list[int(place)]
                if d["leave"]:
                    for c in sorted(company.contracts):
                        leave_contract(m, company, c)
                        left.append(c)
                won += [c for c in d["bids"] if take_vacancy(m, company, c)]
        entry["won"], entry["left"] = sorted(won), sorted(left)

    def _step_round(self, entry: dict) -> None:
        self._acts(entry)
        ov = to_overrides(entry["played"])
        m = self.main.model
        for _ in range(ROUND_WEEKS):
            m.overrides = ov if not _empty(ov) else None
            m.step()
            self.main.record()
            self.twin.model.step()
            self.twin.record()
        m.overrides = None
        self._follow_contracts()

    # ---------------------------------------------------------------- save and resume
    def to_json(self) -> dict:
        return {"format": SAVE_FORMAT, "seed": self.seed, "households": self.households,
                "start_preset": self.log[0]["preset"] if self.log else self.preset, "preset": self.preset,
                "rounds": self.log}

    def save(self) -> None:
        """Write the class to its file: a temporary file in the same folder, then a rename."""
        if self.save_path is None:
            return
        path = self.save_path
        with writing(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".govsim-class-", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(self.to_json(), f, ensure_ascii=False)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise

    @classmethod
    def read(cls, path: str | Path) -> dict:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ClassFileError(f"--resume '{path}': no such file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ClassFileError(f"--resume '{path}': not a govsim class file ({exc.__class__.__name__})") from None
        ok = (isinstance(data, dict) and data.get("format") == SAVE_FORMAT and isinstance(data.get("rounds"), list)
              and isinstance(data.get("seed"), int) and isinstance(data.get("households"), int)
              and data.get("start_preset") in PRESETS)
        if not ok:
            raise ClassFileError(f"--resume '{path}': not a govsim class file (format {SAVE_FORMAT} expected)")
        return data

    @classmethod
    def resume(cls, path: str | Path, save_path: str | Path | None = None, clock=time.monotonic) -> "ClassStreet":
        """Replay a saved class round by round (same seed, presets and decisions: the same street)."""
        data = cls.read(path)
        st = cls(seed=data["seed"], households=data["households"], preset=data["start_preset"],
                 save_path=save_path if save_path is not None else path, clock=clock)
        for i, entry in enumerate(data["rounds"]):
            if not isinstance(entry, dict) or entry.get("round") != i + 1 or entry.get("preset") not in PRESETS \
                    or not isinstance(entry.get("played"), dict):
                raise ClassFileError(f"--resume '{path}': round {i + 1} is damaged")
            if entry["preset"] != st.preset:
                st.set_preset(entry["preset"])
            try:
                entry = {"round": entry["round"], "preset": entry["preset"], "played": {
                    slot: dict(v, decision=parse_decision(st.main.model, _Replay(slot, v), v["decision"]))
                    for slot, v in entry["played"].items()}}
            except (Refused, KeyError, TypeError, AttributeError) as exc:
                raise ClassFileError(f"--resume '{path}': round {i + 1} holds a decision that is not valid ({exc})") \
                    from None
            st._step_round(entry)
            st.log.append(entry)
            st.round = i + 1
        if data.get("preset") in PRESETS and data["preset"] != st.preset:
            st.set_preset(data["preset"])
        return st


@dataclass
class _Replay:
    """A saved round's player, as `parse_decision` needs one."""

    slot: str
    v: dict

    @property
    def role(self) -> str:
        return self.slot.split(":", 1)[0]

    @property
    def place(self) -> str:
        return self.slot.split(":", 1)[1]

    @property
    def contracts(self) -> set[int]:
        return set(self.v.get("contracts", []))


def _empty(ov: Overrides) -> bool:
    return not (ov.committees or ov.grids or ov.departments or ov.firms)


def new_join_code() -> str:
    return f"{secrets.randbelow(900000) + 100000}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


__all__ = ["ClassStreet", "ClassFileError", "Player", "ROUND_WEEKS", "apply_preset", "new_join_code", "new_token",
           ]
