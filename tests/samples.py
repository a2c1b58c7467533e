"""One valid instance of every wire model, built from a small world (used by codec and logic tests)."""

from __future__ import annotations

from datetime import UTC, datetime

from secours import wire
from secours.ids import make_mrn
from secours.world import RunConfig, Traffic, World
from services.trader.ens import build_ens

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
WORLD = World(RunConfig(seed=7, traffic=Traffic(consignments=40, providers=2, traders=5)))
MRN = make_mrn(26, "FR", "sample")


def ens(index: int = 0, *, break_rule: str | None = None) -> wire.EnsFiling:
    c = WORLD.consignments[index]
    return build_ens(WORLD, c, f"msg-{index}-{break_rule}", c.ready, break_rule=break_rule)


def samples() -> list[wire.WireModel]:
    f = ens(0)
    shuttle = next(
        i for i, c in enumerate(WORLD.consignments) if WORLD.transport_by_id[c.transport_id].kind == "SHUTTLE"
    )
    common = {"message_id": "m1", "eori": f.declarant.eori, "lrn": f.lrn}
    return [
        f if isinstance(f, wire.IE3F10) else ens(next(i for i in range(40) if isinstance(ens(i), wire.IE3F10))),
        ens(shuttle),
        wire.As4Receipt(
            receipt_id="r1", ref_message_id="m0", action="IE3F10", eori=f.declarant.eori, lrn=f.lrn, received_at=NOW
        ),
        wire.IE3R01(**common, ref_message_id="m0", mrn=MRN, registered_at=NOW),
        wire.IE3N99(
            **common,
            ref_message_id="m0",
            rejected_ie="IE3F10",
            errors=(wire.ValidationError(rule_id="R0201", pointer="office_of_first_entry", description="bad"),),
            rejected_at=NOW,
        ),
        wire.IE3N01(**common, ref_message_id="m0", mrn=MRN, error_code="DUPLICATE_LRN", reason="dup", refused_at=NOW),
        wire.IE3N01(**common, ref_message_id="m0", error_code="WRONG_STATE", reason="no mrn", refused_at=NOW),
        wire.IE3N03(**common, mrn=MRN, member_state="FR", assessed_at=NOW),
        wire.IE3Q02(**common, mrn=MRN, referral_reference="RFI1", referral_type="RFI", question="q", issued_at=NOW),
        wire.IE3R02(**common, mrn=MRN, referral_reference="RFI1", answer="a", answered_at=NOW),
        wire.IE3N06(
            message_id="m2",
            lrn="ARR1",
            carrier=f.carrier,
            office_of_first_entry="FR000001",
            active_means=f.active_means,
            actual_arrival=NOW,
            mrns=(MRN,),
        ),
        wire.IE3R04(**common, ref_message_id="m2", arrival_mrn=MRN, mrns_arrived=(MRN,), registered_at=NOW),
        wire.IE3N07(**common, ref_message_id="m2", mrn=MRN, reason="ARRIVED", notified_at=NOW),
        wire.IE3N08(**common, mrn=MRN, office="FR000001", control_type="PHYSICAL", notified_at=NOW),
        wire.LuImportDeclaration(
            message_id="l1", decl_id="D1", eo="LU12345678", decl_type="H1", channel="B2G", ref="", lodged_at=NOW
        ),
        wire.LuAs4Receipt(receipt_id="lr1", ref_message_id="l1", eo="LU12345678", decl_id="D1", received_at=NOW),
        wire.LuDecl(
            record_id="r1",
            message_id="l1",
            decl_id="D1",
            eo="LU12345678",
            channel="NTP",
            status="REGISTERED",
            ref="",
            registered_at=NOW,
        ),
        wire.LuServicedesk(
            notice_id="n1",
            action="fallback_open",
            eo="",
            scope="FULL",
            joint_with="BUREAU_RECETTE",
            notice="",
            text="t",
            sent_at=NOW,
        ),
        wire.LuBureau(
            message_id="b1",
            action="recommendation",
            eo="LU12345678",
            office="LU000001",
            channel="PAPER",
            recommendation="paper SAD",
            ref="c1",
            sent_at=NOW,
        ),
        wire.DeltaLodging(
            message_id="d1",
            ref="DLT260302000001",
            declarant="FR12345678901234",
            service="DELTA_G",
            mode="EDI",
            provider="C001",
            regularises="",
            lodged_at=NOW,
        ),
        wire.DeltaDecl(
            decl_no="FR006900-26-0000001",
            ref="DLT260302000001",
            declarant="FR12345678901234",
            service="DELTA_G",
            mode="EDI",
            state="BAE",
            regularises="",
            at=NOW,
        ),
        wire.DeltaRelease(
            decl_no="FR006900-26-0000001", ref="DLT260302000001", service="DELTA_G", state="BAE", due_at=NOW
        ),
        wire.AubetteQuery(
            query_id="q1", by="FR12345678901234", decl_no="FR006900-26-0000001", service="DELTA_G", asked_at=NOW
        ),
        wire.DeltaAubette(
            query_id="q1", by="FR12345678901234", decl_no="FR006900-26-0000001", result="UNAVAILABLE", at=NOW
        ),
        wire.OfficeQuery(
            query_id="q2", by="FR12345678901234", office="FR006900", decl_no="FR006900-26-0000001", asked_at=NOW
        ),
        wire.OfficeAnswer(
            query_id="q2", office="FR006900", to="FR12345678901234", decl_no="FR006900-26-0000001", state="NONE", at=NOW
        ),
        wire.OfficeInformed(
            informed_id="i1",
            by="FR12345678901234",
            office="FR006900",
            kind="start",
            da_id="DA1",
            attached_ack="DA1",
            ack_registered_at=NOW,
            service="DELTA_G",
            at=NOW,
        ),
        wire.FallbackRecord(
            record_id="r1",
            office="FR006900",
            declarant="FR12345678901234",
            da_id="DA1",
            service="DELTA_G",
            start=NOW,
            at=NOW,
        ),
        wire.FallbackUsed(
            fallback_id="f1",
            by="FR12345678901234",
            office="FR006900",
            service="DELTA_G",
            mode="DTI",
            what="paper_declaration",
            ref="DLT260302000001",
            decl_no="",
            covering="DA1",
            at=NOW,
        ),
        wire.Regularised(
            fallback_id="f1", by="FR12345678901234", ref="DLT260302000001", decl_no="FR006900-26-9000001", at=NOW
        ),
        wire.ProviderAnswer(contact_id="k1", provider="C001", to="FR12345678901234", origin_provider=True, sent_at=NOW),
        wire.EcsMovement(mrn=MRN, exporter="FR12345678901234", exit_office="FR000020", validated_at=NOW),
        wire.EcsMsg(
            msg_id="e1",
            ie="IE507",
            mrn=MRN,
            by="service",
            channel="SYSTEM",
            reintegration=True,
            event_time=NOW,
            office="FR000020",
            sent_at=NOW,
        ),
        wire.EcsState(mrn=MRN, system="ECSBS", state="ETAT_STOCKE", at=NOW),
        wire.ExitArrived(mrn=MRN, office="FR000020", at=NOW),
        wire.ExitDeparted(mrn=MRN, office="FR000020", at=NOW),
        wire.EadPresented(
            presentation_id="p1",
            mrn=MRN,
            office="FR000020",
            channel="counter",
            by="FR12345678901234",
            step="arrival",
            at=NOW,
        ),
        wire.BsControl(mrn=MRN, office="FR000020", result="ok", at=NOW),
        wire.EadStamped(
            mrn=MRN, office="FR000020", stamp="ND", mention="présenté le 02/03/2026", mention_date="02/03/2026", at=NOW
        ),
        wire.EadReturned(mrn=MRN, office="FR000020", at=NOW),
        wire.EadCopyKept(mrn=MRN, office="FR000020", at=NOW),
        wire.BsReintegrationNotice(mrn=MRN, office="FR000020", text="t", at=NOW),
        wire.BsRelaxation(alert_id="ALR-1", office="FR000020", new_deadline=NOW, at=NOW),
        wire.IE3A10(**common, mrn=MRN, sequence=1, change="gross mass of item 1: 1200.0 kg", amended_at=NOW),
        wire.IE3A51(**common, mrn=MRN, sequence=2, change="consignee changed", amended_at=NOW),
        wire.IE3Q04(**common, mrn=MRN, sequence=3, reason="unit shut out", requested_at=NOW),
        wire.IE3N10(**common, ref_message_id="m3", mrn=MRN, amended_at=NOW),
        wire.IE3R07(**common, ref_message_id="m4", mrn=MRN, invalidated_at=NOW),
        wire.CrFiling(
            message_id="c1",
            ref_message_id="m0",
            ie="IE3F10",
            eori=f.declarant.eori,
            lrn=f.lrn,
            mrn=MRN,
            transport_document_reference="BL1",
            office_of_first_entry="FR000001",
            country_of_unloading="FR",
            conveyance_reference="X1",
            unit_id="AB12CDE",
            hs_codes=("070990",),
            received_at=NOW,
        ),
        wire.EnsDistribution(
            message_id="d1",
            member_state="FR",
            eori=f.declarant.eori,
            lrn=f.lrn,
            mrn=MRN,
            office_of_first_entry="FR000001",
            country_of_unloading="FR",
            unit_id="AB12CDE",
            hs_codes=("070990",),
            registered_at=NOW,
        ),
        wire.ArrivalDistribution(
            message_id="d2",
            member_state="FR",
            arrival_mrn=MRN,
            office_of_first_entry="FR000001",
            actual_arrival=NOW,
            mrns=(MRN,),
        ),
        wire.RunAnnouncement(run_id="r", epoch_sim=NOW, epoch_wall_ms=1, speed=60.0, seed=1, config_json="{}"),
        wire.RunAnnouncement(
            run_id="r",
            epoch_sim=NOW,
            epoch_wall_ms=0,
            speed=180.0,
            seed=1,
            config_json="{}",
            external=("edi_provider",),
        ),
        wire.ActorReady(run_id="r", actor="edi_provider:P001", topics=("ics2.receipt",), software="relay 1.0"),
        wire.EloPairing(
            elo_id="E1", unit_id="AB12CDE", transport_id="T1", eori=f.declarant.eori, lrn=f.lrn, mrn=MRN, paired_at=NOW
        ),
        wire.TransportArrived(
            transport_id="T1",
            kind="FERRY",
            route="DOVER-CALAIS",
            entry_office="FR000001",
            arrived_at=NOW,
            units=("AB12CDE",),
        ),
        wire.UnitDisembarked(
            transport_id="T1",
            unit_id="AB12CDE",
            elo_id="E1",
            mrns=(MRN,),
            lane="GREEN",
            reason="ok",
            disembarked_at=NOW,
        ),
        wire.DeadLetter(
            service="s", topic="t", partition=0, offset=1, key=b"k", value=b"\x00\xff", reason="r", dead_at=NOW
        ),
        wire.DeadLetter(service="s", topic="t", partition=0, offset=1, reason="r", dead_at=NOW),
        wire.StateChunk(
            run_id="r",
            service="ics2_cr",
            generation=3,
            index=0,
            count=1,
            sha256="0" * 64,
            positions=(wire.ReadPosition(topic="ics2.cr.in", partition=1, offset=42),),
            data=b"\x78\x01",
        ),
        wire.StateChunk(
            run_id="r",
            service="ics2_cr",
            generation=4,
            index=1,
            count=2,
            sha256="0" * 64,
            mac="ab" * 32,
            positions=(),
            data=b"",
        ),
        wire.FaultCommand(
            command_id="c", action="INJECT", fault_id="f1", fault_json="{}", issued_by="runner", issued_at=NOW
        ),
        wire.FaultEvent(fault_id="f1", phase="START", kind="down", component="ics2_sti", fault_json="{}", at=NOW),
        wire.Heartbeat(component="ics2_nes_fr", at=NOW),
        wire.MeteoAlert(
            alert_id="ALR-20260302-001",
            phase="open",
            services=("ICS2",),
            modes=("EDI", "DTI"),
            component="ics2_nes_fr",
            symptoms="s",
            instructions="i",
            publisher="CID",
            published_at=NOW,
        ),
        wire.CustomsNotice(notice_id="n", to="P001", kind="outage", component="ics2_nes_fr", alert_id="A", sent_at=NOW),
        wire.EuNotice(
            notice_id="e", component="ics2_nes_fr", kind="start", audience="MS", requested_by="CID", sent_at=NOW
        ),
        wire.ClientNotice(
            notice_id="c", provider="P001", to="FR1", kind="outage", procedure_info="p", ref="n", sent_at=NOW
        ),
        wire.ProviderContact(
            contact_id="k", trader="FR1", provider="P001", kind="outage", channel="phone", since=NOW, sent_at=NOW
        ),
        wire.OlgaDa(
            da_id="DA-P001-1",
            filer="P001",
            filer_role="provider",
            filer_eori="FR2",
            company="EDI Provider 1",
            phone="+33",
            kind="client_outage",
            service="ICS2",
            mode="EDI",
            component="IT system of FR1",
            symptom="s",
            since=NOW,
            estimated_duration="unknown",
            entry_office="FR620001",
            clients=(wire.DaClient(eori="FR1", name="Haulier 0001 SAS"),),
            declarations=("LRN1",),
            transports=(),
            text="t",
            filed_at=NOW,
        ),
        wire.OlgaAck(da_id="DA-P001-1", to="P001", registered_at=NOW),
        wire.MeteoConsulted(consultation_id="m", by="edi_provider:P001", channel="web", alert_ids=(), consulted_at=NOW),
        wire.SystemCheck(
            check_id="c",
            office="FR620001",
            unit_ids=("U1",),
            components=("ics2_sti",),
            result="down",
            covering=("ALR-1",),
            checked_at=NOW,
        ),
        wire.EnsAbsence(
            absence_id="a",
            office="FR620001",
            unit_id="U1",
            lrn="L1",
            check_id="c",
            covered_by_outage=True,
            recorded_at=NOW,
        ),
        wire.GoodsPresented(presentation_id="g", office="FR620001", mrns=(MRN,), controlled=(), processed_at=NOW),
        wire.OlgaClosed(da_id="DA-P001-1", closed_by="SAU", closed_at=NOW),
        wire.LoadingList(
            list_id="L",
            carrier="FR3",
            company="Western Sea Link",
            transport_id="PORTSM-260302-001",
            ship_imo="9123456",
            voyage="PORT0302001",
            to="FR000002",
            trailers=(wire.ListedTrailer(trn="C1234567", lrn="LRN1", filer="FR1"),),
            sent_at=NOW,
        ),
        wire.SauDiagnosis(
            diagnosis_id="dg1",
            da_id="DA-20260302-000001",
            to="FR12345678901234",
            service="DELTA_G",
            origin="customs",
            finding="DELTA_G takes no declaration",
            at=NOW,
        ),
        wire.SauContact(
            contact_id="s",
            by="edi_provider:P001",
            channel="email",
            purpose="report",
            da_id="DA-P001-1",
            text="t",
            sent_at=NOW,
        ),
    ]
