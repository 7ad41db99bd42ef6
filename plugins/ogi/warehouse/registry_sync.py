"""Registry sync: the warehouse's regions, organs and organ names follow the registry files.

Apart from the loader because it runs on its own (the DAG's load task before its batches, ``ogi warehouse
sync``, the benchmarks) and writes only the registry tables; organs a registry does not know are added by
the loader itself, as unregistered.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, bindparam, delete, update

from ogi.warehouse import models as m
from ogi.warehouse.rows import as_date
from ogi.warehouse.write import chunks, transaction, upsert


def sync_registry(engine: Engine, registry) -> dict[str, int]:
    """Upsert a registry's regions, organs and organ names (``ogi.fetch.registry.Registry`` or alike).

    Organs and regions are never deleted (ids are stable and reports point at them); a renamed organ
    keeps its former names in ``organ_names`` with their validity.
    """

    def work(conn: Connection) -> dict[str, int]:
        city = getattr(registry, "city_id", None)
        regions = [
            {"id": r.id, "name": r.name, "level": r.level, "parent_id": None, "city_id": city}
            for r in registry.regions
        ]
        upsert(conn, m.Region.__table__, regions, ["id"], ["name", "level", "city_id"])
        parents = [{"rid": r.id, "parent": r.parent} for r in registry.regions]
        if parents:
            t = m.Region.__table__
            conn.execute(
                update(t).where(t.c.id == bindparam("rid")).values(parent_id=bindparam("parent")), parents
            )
        organs = []
        names = []
        for o in registry.organs:
            vf, vt = as_date(getattr(o, "valid_from", None)), as_date(getattr(o, "valid_to", None))
            organs.append(
                {
                    "id": o.id,
                    "name": o.name,
                    "type": o.type,
                    "region_id": o.region,
                    "merged_into": None,
                    "valid_from": vf,
                    "valid_to": vt,
                    "first_year": vf.year if vf else None,
                    "last_year": vt.year if vt else None,
                    "registered": True,
                }
            )
            names.append(
                {"organ_id": o.id, "name": o.name, "valid_from": vf, "valid_to": vt, "is_current": True}
            )
            for a in getattr(o, "aliases", ()) or ():
                aname = a if isinstance(a, str) else a.name
                if aname == o.name:
                    continue
                names.append(
                    {
                        "organ_id": o.id,
                        "name": aname,
                        "valid_from": as_date(getattr(a, "valid_from", None)),
                        "valid_to": as_date(getattr(a, "valid_to", None)),
                        "is_current": False,
                    }
                )
        cols = [
            "name",
            "type",
            "region_id",
            "valid_from",
            "valid_to",
            "first_year",
            "last_year",
            "registered",
        ]
        upsert(conn, m.Organ.__table__, organs, ["id"], cols)
        merged = [{"oid": o.id, "into": o.merged_into} for o in registry.organs]
        if merged:
            t = m.Organ.__table__
            conn.execute(
                update(t).where(t.c.id == bindparam("oid")).values(merged_into=bindparam("into")), merged
            )
        nt = m.OrganName.__table__
        ids = [o["id"] for o in organs]
        for chunk in chunks(ids):
            conn.execute(delete(nt).where(nt.c.organ_id.in_(chunk)))
        unique_names = list({(n["organ_id"], n["name"]): n for n in names}.values())
        if unique_names:
            conn.execute(nt.insert(), unique_names)
        return {"regions": len(regions), "organs": len(organs), "names": len(unique_names)}

    return transaction(engine, work, what="registry sync")
