"""Building the ENS a trader files for one consignment (DOMAIN.md §3 and §6).

Ferry units are filed as maritime IE3F10 with the ship's IMO number, shuttle units as rail
IE3F51; neither uses transport mode 3. A consignment drawn as "invalid" breaks one rule in its
first filing, the way a real filer's software sometimes does, and is corrected afterwards.
"""

from __future__ import annotations

from datetime import datetime

from secours.rand import draw
from secours.wire import (
    IE3F10,
    IE3F51,
    EnsFiling,
    GoodsItem,
    Party,
    TransportDocument,
    TransportEquipment,
)
from secours.world import Consignment, World

__all__ = ["build_ens"]

_CONSIGNEES = (
    "Grands Magasins du Nord",
    "Coopérative Agricole de l'Artois",
    "Logistique Seine SA",
    "Distribution Rhône-Alpes",
    "Industries Mécaniques de Lorraine",
    "Vins et Spiritueux de Bordeaux",
)


def build_ens(world: World, c: Consignment, message_id: str, now: datetime, *, break_rule: str | None) -> EnsFiling:
    transport = world.transport_by_id[c.transport_id]
    trader = world.trader_by_eori[c.trader]
    carrier = world.carrier_by_eori[transport.carrier]
    ferry = transport.kind == "FERRY"
    pick = int(draw(world.config.seed, "consignee", c.lrn) * len(_CONSIGNEES))
    consignee_eori = f"FR{int(draw(0, 'consignee', _CONSIGNEES[pick]) * 10**14):014d}"
    consignee = Party(eori=consignee_eori, name=_CONSIGNEES[pick], country="FR")
    means = transport.active_means()
    goods = tuple(GoodsItem(description=d, hs_code=hs, gross_mass_kg=m, packages=n) for d, hs, m, n in c.goods)
    declarant = Party(eori=trader.eori, name=trader.name, country="FR")
    office = transport.entry_office
    if break_rule == "R0201":
        office = office[:2] + "-" + office[3:]
    elif break_rule == "R0304":
        means = means.model_copy(update={"mode": 3})
    elif break_rule == "R0401":
        goods = (goods[0].model_copy(update={"gross_mass_kg": 0.0}), *goods[1:])
    elif break_rule == "R0402":
        goods = (goods[0].model_copy(update={"hs_code": goods[0].hs_code[:4]}), *goods[1:])
    model = IE3F10 if ferry else IE3F51
    return model(
        message_id=message_id,
        lrn=c.lrn,
        declarant=declarant,
        carrier=Party(eori=carrier.eori, name=carrier.name, country="FR"),
        consignee=consignee,
        office_of_first_entry=office,
        country_of_unloading=c.country_of_unloading,
        transport_document=TransportDocument(reference=c.transport_document, type="N741" if ferry else "N730"),
        active_means=means,
        equipment=TransportEquipment(unit_id=c.unit_id, unit_type=c.unit_type),
        goods=goods,
        estimated_arrival=transport.arrival,
        issued_at=now,
    )
