"""Economic operators registered with LUCCS (Luxembourg imports, seed 004).

One instance simulates every operator of the run, each under its own EORI (``lu_operator:LU...``).
Each declaration is lodged when ready, system to system (B2G) as usual, and lodged again through
the channel of the moment while LUCCS has not registered it (every ``lu_ack_timeout_s``). A B2G
lodging goes over AS4: with no receipt from the ADA's endpoint within ``lu_as4_timeout_s`` the
operator's system sends the same message again once (the endpoint's duplicate detection keeps it
one lodging), and with still none the lodging has failed:

- its own B2G system down (noticed ``detect_self_s`` after it fails): tell the Servicedesk
  eDouane at once, then lodge by hand on the National Trader Portal (NTP); what was already in its
  B2G system's queue leaves from there once it is back, so that nothing is lodged twice. Once
  restored: tell the Servicedesk at once and go back to B2G (one lodged on the portal moments
  before waits for its registration there, for the same reason);
- the Servicedesk says LUCCS's B2G endpoint is down: lodge on the NTP portal until it says the
  endpoint is back (no notice from the operator is required);
- the Servicedesk says LUCCS is down altogether: contact the Bureau de recette Douanes, follow its
  recommendation (a paper declaration at the office), and once LUCCS is back register each paper
  declaration in LUCCS, quoting its paper registration (one handed in just before LUCCS came back
  waits for that registration: it is never lodged a second time as a new declaration).

Staged breaches (``Params``): ``lu_silent_operators`` use the NTP portal without telling the
Servicedesk; ``lu_replaying_operators`` replay on B2G what failed there once it is back, even what
was lodged on NTP meanwhile; ``lu_unadvised_operators`` lodge on paper without asking the Bureau;
``lu_careless_operators`` lists further lapses: ``abandon_failed`` (the endpoint down, a B2G lodging
that failed is given up instead of lodged on NTP), ``replay_own`` (their own B2G back, they send
through it what they lodged on NTP meanwhile), ``stay_on_ntp`` (their own B2G back, they keep to
the portal), ``unquoted_paper`` (a paper declaration registered in LUCCS as a new one, its paper
registration not quoted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from secours.effects import Effects, Incoming, Timer
from secours.errors import RejectedInput
from secours.ids import derive_id
from secours.wire import LuAs4Receipt, LuBureau, LuDecl, LuImportDeclaration, LuServicedesk
from secours.world import LuDeclaration, World

__all__ = ["LuOperatorLogic"]

B2G, NTP, DESK, BUREAU = "lu.b2g", "lu.ntp", "lu.servicedesk", "lu.bureau"
ME = "lu_operator"


@dataclass(slots=True)
class Lodging:
    decl: LuDeclaration
    due: bool = False  # ready to be lodged
    channel: str = ""  # where it was last lodged
    sent_at: datetime | None = None
    b2g_failed: bool = False  # a B2G lodging of it got no AS4 receipt (or was overtaken by a fallback)
    sent: LuImportDeclaration | None = None  # its last B2G lodging, until the endpoint's receipt
    as4_tries: int = 0  # sends of that lodging over AS4
    paper: str = ""  # the paper registration, once the Bureau took it
    done: bool = False  # registered in LUCCS


@dataclass(slots=True)
class Operator:
    eori: str
    own_down_since: datetime | None = None  # its own B2G system, as its staff noticed
    fallback: str = ""  # the Servicedesk's fallback in force: "", "B2G_ADA" or "FULL"
    recommendation: LuBureau | None = None
    contacted: bool = False
    lodgings: list[str] = field(default_factory=list)
    ntp_habit: bool = False  # staged stay_on_ntp: kept to the portal once its own B2G was back


class LuOperatorLogic:
    def __init__(self, world: World) -> None:
        self.params = world.config.params
        self.lapses = frozenset(self.params.lu_careless_operators)
        self.ops = {eo.eori: Operator(eo.eori) for eo in world.lu_operators}
        self.files = {d.decl_id: Lodging(d) for d in world.lu_declarations}
        for d in world.lu_declarations:
            self.ops[d.eo].lodgings.append(d.decl_id)

    @staticmethod
    def source(eo: str) -> str:
        return f"{ME}:{eo}"

    def start(self, now: datetime) -> Effects:
        fx = Effects()
        for f in self.files.values():
            fx.after(f.decl.ready, "ready", f.decl.decl_id)
        return fx

    # --- lodging ------------------------------------------------------------------------------

    def _channel(self, op: Operator) -> str:
        if op.fallback == "FULL":
            return "PAPER" if op.recommendation or self.params.lu_unadvised_operators else "ASK_BUREAU"
        if op.own_down_since is not None or op.fallback == "B2G_ADA" or op.ntp_habit:
            return "NTP"
        return "B2G"

    def _lodge(self, f: Lodging, now: datetime) -> Effects:
        fx = Effects()
        op = self.ops[f.decl.eo]
        if f.done or (f.paper and op.fallback == "FULL"):
            return fx
        if f.channel == "PAPER" and not f.paper:
            # Handed in at the Bureau, its paper registration not back yet: lodging it anywhere else
            # now would lodge it twice. It is regularised once the registration is in hand.
            self._check_later(fx, f, now)
            return fx
        channel = self._channel(op)
        if f.paper:
            channel = "B2G" if channel == "PAPER" else channel  # regularise a paper one once LUCCS is back
        if f.channel == "NTP" and channel != "NTP" and f.sent_at and now - f.sent_at < self._ack_timeout:
            # Lodged on the portal moments ago (its own B2G back, or the endpoint restored, since then),
            # its registration not back yet: lodging it through B2G now would lodge it twice. The
            # portal lodging's own check, due at sent_at + lu_ack_timeout_s, lodges it again if need be.
            return fx
        if channel == "ASK_BUREAU":
            return self._ask_bureau(op, now)
        if op.own_down_since is not None and f.channel == "B2G" and f.sent_at and f.sent_at >= op.own_down_since:
            # Already in its B2G system's queue: it leaves from there once the system is back.
            self._check_later(fx, f, now)
            return fx
        if f.channel == "B2G" and channel != "B2G":
            f.b2g_failed = True
            if "abandon_failed" in self.lapses and op.fallback == "B2G_ADA":
                f.done = True  # staged: given up, never lodged on the portal
                return fx
        ref = f.paper or (op.recommendation.message_id if channel == "PAPER" and op.recommendation else "")
        key = f"{channel}/{ref}"
        if f.paper and "unquoted_paper" in self.lapses:
            ref, key = "", f"{channel}/unquoted"  # staged: registered as a new declaration
        msg = LuImportDeclaration(
            message_id=derive_id(f.decl.decl_id, key), decl_id=f.decl.decl_id, eo=op.eori,
            decl_type=f.decl.decl_type, channel=channel, ref=ref, lodged_at=now,
        )  # fmt: skip
        topic = {"B2G": B2G, "NTP": NTP, "PAPER": BUREAU}[channel]
        fx.send(topic, op.eori, msg.message_id, self.source(op.eori), msg, subject=f.decl.decl_id)
        f.channel, f.sent_at = channel, now
        if channel == "B2G":
            f.sent, f.as4_tries = msg, 1
            fx.after(now + timedelta(seconds=self.params.lu_as4_timeout_s), "as4", f.decl.decl_id)
        self._check_later(fx, f, now)
        return fx

    def _as4(self, f: Lodging, now: datetime) -> Effects:
        """No AS4 receipt in time: the same message again, once; then the B2G lodging has failed (it is
        lodged again through the channel of the moment when its registration check comes)."""
        fx = Effects()
        if f.sent is None or f.done:
            return fx
        if f.as4_tries >= 2:
            f.sent, f.b2g_failed = None, True
            return fx
        f.as4_tries += 1
        fx.send(B2G, f.decl.eo, f.sent.message_id, self.source(f.decl.eo), f.sent, subject=f.decl.decl_id)
        fx.after(now + timedelta(seconds=self.params.lu_as4_timeout_s), "as4", f.decl.decl_id)
        return fx

    @property
    def _ack_timeout(self) -> timedelta:
        return timedelta(seconds=self.params.lu_ack_timeout_s)

    def _check_later(self, fx: Effects, f: Lodging, now: datetime) -> None:
        """Look again after ``lu_ack_timeout_s``: lodged again if LUCCS has not registered it by then."""
        fx.after(now + self._ack_timeout, "check", f.decl.decl_id)

    def _ask_bureau(self, op: Operator, now: datetime) -> Effects:
        fx = Effects()
        if op.contacted:
            return fx
        op.contacted = True
        contact = LuBureau(
            message_id=derive_id(op.eori, f"bureau/{now.isoformat()}"), action="contact", eo=op.eori, office="LU000001",
            channel="", recommendation="", ref="", sent_at=now,
        )  # fmt: skip
        fx.send(BUREAU, op.eori, contact.message_id, self.source(op.eori), contact)
        return fx

    def _pending(self, op: Operator) -> list[Lodging]:
        return [self.files[d] for d in op.lodgings if self.files[d].due and not self.files[d].done]

    # --- events -------------------------------------------------------------------------------

    def on_timer(self, timer: Timer, now: datetime) -> Effects:
        if timer.kind in ("own_outage", "own_recovery"):
            return self._own_system(timer.ref.removeprefix(f"{ME}:"), timer.kind == "own_outage", now)
        f = self.files[timer.ref]
        if timer.kind == "as4":
            return self._as4(f, now)
        f.due = True
        return self._lodge(f, now)  # "ready", or "check": not registered yet

    def _own_system(self, eo: str, down: bool, now: datetime) -> Effects:
        fx = Effects()
        op = self.ops.get(eo)
        if op is None or down == (op.own_down_since is not None):
            return fx
        op.own_down_since = now - timedelta(seconds=self.params.detect_self_s) if down else None
        if not self.params.lu_silent_operators:
            action = "eo_outage" if down else "eo_restored"
            n = LuServicedesk(
                notice_id=derive_id(eo, f"{action}/{now.isoformat()}"), action=action, eo=eo, scope="B2G_EO",
                joint_with="", notice="", sent_at=now,
                text=f"{'Our B2G system is down' if down else 'Our B2G system is restored'} ({eo}).",
            )  # fmt: skip
            fx.send(DESK, eo, n.notice_id, self.source(eo), n)
        if not down:
            fx.extend(self._careless_recovery(op, now))
        for f in self._pending(op):  # what waits goes through the channel of the moment
            fx.extend(self._lodge(f, now))
        return fx

    def handle(self, incoming: Incoming, now: datetime) -> Effects:
        msg = incoming.message
        fx = Effects()
        if isinstance(msg, LuDecl):
            f = self.files.get(msg.decl_id)
            if f is None:
                raise RejectedInput(f"{msg.decl_id} is not a declaration of this run")
            if msg.status == "PAPER_ACCEPTED":
                if not f.paper:
                    f.paper = msg.record_id
                    fx.extend(self._lodge(f, now))  # regularised at once if LUCCS is back, else waits
            elif msg.ref == f.paper or not f.paper or msg.status == "DUPLICATE" or "unquoted_paper" in self.lapses:
                # DUPLICATE: LUCCS has it registered already (lodged twice, which the oracle reports);
                # lodging it again would only be refused again, for ever.
                f.done = True
            return fx
        if isinstance(msg, LuServicedesk):
            op = self.ops.get(msg.eo)
            if msg.action != "eo_notice" or op is None:
                return fx  # a notice of ours, or the fallback itself
            return self._fallback(op, msg, now)
        if isinstance(msg, LuBureau):
            op = self.ops.get(msg.eo)
            if msg.action == "recommendation" and op is not None and op.recommendation is None:
                op.recommendation = msg
                for f in self._pending(op):
                    if not f.paper:
                        fx.extend(self._lodge(f, now))
            return fx
        if isinstance(msg, LuAs4Receipt):
            f = self.files.get(msg.decl_id)
            if f is not None and f.sent is not None and f.sent.message_id == msg.ref_message_id:
                f.sent = None  # the endpoint took it; LUCCS's registration follows
            return fx
        if isinstance(msg, LuImportDeclaration):
            return fx  # a paper declaration we handed in
        raise RejectedInput(f"{msg.ce_type} is not expected on {incoming.topic}")

    def _fallback(self, op: Operator, msg: LuServicedesk, now: datetime) -> Effects:
        fx = Effects()
        if msg.notice == "opened":
            op.fallback = msg.scope
        elif msg.notice == "restored" and op.fallback:
            op.fallback, op.recommendation, op.contacted = "", None, False
            if self.params.lu_replaying_operators:
                fx.extend(self._replay(op, now))
        for f in self._pending(op):  # paper ones included: they are registered once LUCCS is back
            fx.extend(self._lodge(f, now))
        return fx

    def _careless_recovery(self, op: Operator, now: datetime) -> Effects:
        """Staged lapses once its own B2G system is back: keep to the portal (stay_on_ntp), and send
        through B2G what was lodged on the portal meanwhile (replay_own)."""
        fx = Effects()
        op.ntp_habit = "stay_on_ntp" in self.lapses
        if "replay_own" not in self.lapses:
            return fx
        for d in op.lodgings:
            f = self.files[d]
            if f.channel == "NTP":
                fx.extend(self._send_b2g(op, d, "B2G/replay-own", now))
        return fx

    def _replay(self, op: Operator, now: datetime) -> Effects:
        """Staged breach: everything that failed on B2G is sent there again, lodged meanwhile or not."""
        fx = Effects()
        for d in op.lodgings:
            f = self.files[d]
            if f.b2g_failed:
                f.b2g_failed = False
                fx.extend(self._send_b2g(op, d, "B2G/replay", now))
        return fx

    def _send_b2g(self, op: Operator, d: str, tag: str, now: datetime) -> Effects:
        """Declaration ``d`` sent (again) through B2G by a staged operator, its message id made of ``tag``."""
        fx = Effects()
        msg = LuImportDeclaration(
            message_id=derive_id(d, tag), decl_id=d, eo=op.eori, decl_type=self.files[d].decl.decl_type,
            channel="B2G", ref="", lodged_at=now,
        )  # fmt: skip
        fx.send(B2G, op.eori, msg.message_id, self.source(op.eori), msg, subject=d)
        return fx
