"""The markdown report of a run: the tables of bench/results/<size>.md."""

from bench.workload.spec import OPERATIONS

RAW, CORE, PEER = "raw pymongo", "djongo-core", "django-mongodb-backend"
CORE_OBJECTID = "djongo-core, ObjectId keys"
SHORT = {RAW: "raw", CORE: "djongo-core", CORE_OBJECTID: "djongo-core (oid)", PEER: "peer"}
# With ObjectId keys no counter is reserved: one command fewer where documents are created.
OBJECTID_MIN_COMMANDS = {"create_one": 1, "bulk_create": 1}
# The fewest commands each operation allows (issue 8's targets), with the reason when not one.
MIN_COMMANDS = {
    "create_one": (2, "counter reservation + insert (integer AutoField); 1 with ObjectId keys"),
    "bulk_create": (2, "counter reservation + insert per batch"),
    "get_by_pk": (1, ""),
    "filter_order_slice": (1, ""),
    "select_related": (1, ""),
    "prefetch_fk": (2, "the query + one per prefetch level"),
    "prefetch_m2m": (2, "the query + one per prefetch level"),
    "aggregate_group": (1, ""),
    "update": (1, ""),
    "bulk_update": (1, "one bulk write per batch"),
    "delete_cascade": (5, "Django's collector: read authors, read books, delete links, books, "
                          "author (raw pymongo needs 4: it knows the author's key)"),
    "admin_changelist": (3, "filtered count, full count, page"),
}
CPU_VS_PEER, CPU_VS_RAW = 0.7, 2.0
# Operations raw pymongo also runs the plain way (ObjectId keys, no counter): "<operation>_floor".
FLOORS = ("create_one", "bulk_create")
# Raw pymongo renders no admin page: its changelist row is the data access only.
NO_RAW_CPU_TARGET = {"admin_changelist"}


def markdown(results):
    medians = results["operations"]
    clients = list(medians)
    lines = [
        f"# Benchmark results ({results['size']} workload)",
        "",
        f"{results['date']}; " + _method(results) + " One embedded mongoeco server (in "
        "memory) in its own process; each client in its own. (n=K): the client ran only K "
        f"operations of that kind within the time budget of {results['budget_s']:g} s (the "
        "engine's time, not the client's, see bench/README.md).",
        "",
        _machine(results["machine"]),
        "",
        "## Client CPU per operation (ms, main-thread CPU time of the client, after a warm-up)",
        "",
        "Targets for djongo-core: at most 0.7x django-mongodb-backend and at most 2x raw "
        "pymongo. ✗ marks a missed target (explained in bench/README.md). djongo-core (oid) is "
        "djongo-core with ObjectIdAutoField keys, the key type django-mongodb-backend uses.",
        "",
    ]
    header = ["operation", "ops"] + [SHORT[c] for c in clients]
    if PEER in clients:
        header.append("core/peer")
    header.append("core/raw")
    if PEER in clients and CORE_OBJECTID in clients:
        header.append("core (oid)/peer")
    lines += _table_header(header)
    for operation in OPERATIONS:
        row = [operation, _ops(medians, operation)]
        row += [_figure(medians[c].get(operation), "cpu_ms", planned=row[1]) for c in clients]
        if PEER in clients:
            row.append(_ratio(medians, operation, PEER, CPU_VS_PEER))
        row.append(_ratio(medians, operation, RAW, CPU_VS_RAW,
                          applies=operation not in NO_RAW_CPU_TARGET))
        if PEER in clients and CORE_OBJECTID in clients:
            row.append(_ratio(medians, operation, PEER, CPU_VS_PEER, core=CORE_OBJECTID))
        lines.append(_row(row))
    raw = medians.get(RAW, {})
    floors = [(operation, raw[operation + "_floor"]) for operation in FLOORS
              if operation + "_floor" in raw]
    if floors:
        lines += ["", "### Plain pymongo inserts (the floor)", "",
                  "Raw pymongo's create_one and bulk_create above replay djongo-core's counter "
                  "(one findAndModify per insert or batch). A plain pymongo user inserts with "
                  "ObjectId keys and one command: that floor, and djongo-core against it "
                  "(integer keys, and ObjectId keys).", ""]
        lines += _table_header(["operation", "plain pymongo", "commands", "core/floor",
                                "core (oid)/floor"])
        for operation, floor in floors:
            row = [operation, f"{floor['cpu_ms']:.3f}", f"{floor['commands']:g}"]
            for client in (CORE, CORE_OBJECTID):
                measured = medians.get(client, {}).get(operation, {})
                row.append(f"{measured['cpu_ms'] / floor['cpu_ms']:.2f}"
                           if "cpu_ms" in measured else "–")
            lines.append(_row(row))
    lines += ["", "## Wall time per operation (ms)", ""]
    lines += _table_header(["operation"] + [SHORT[c] for c in clients])
    for operation in OPERATIONS:
        planned = _ops(medians, operation)
        lines.append(_row([operation] + [_figure(medians[c].get(operation), "wall_ms",
                                                 planned=planned) for c in clients]))
    lines += ["", "## MongoDB commands per operation (pymongo command monitoring)", ""]
    lines += _table_header(["operation"] + [SHORT[c] for c in clients]
                           + ["minimum", "djongo-core sends", "why the minimum"])
    for operation in OPERATIONS:
        minimum, why = MIN_COMMANDS[operation]
        core = medians[CORE].get(operation, {})
        commands = core.get("commands")
        mark = "" if commands is None or commands <= minimum else " ✗"
        names = ", ".join(f"{n} {c:g}" for n, c in core.get("command_names", {}).items())
        lines.append(_row([operation] + [_figure(medians[c].get(operation), "commands", "{:g}")
                                         for c in clients]
                          + [f"{minimum}{mark}", names, why]))
    lines += ["", "## Translation (µs to compile one QuerySet, best of 5 batches)", ""]
    translation = results["translation_us"]
    lines += _table_header(["QuerySet"] + [SHORT[c] for c in translation])
    for name in next(iter(translation.values()), {}):
        lines.append(_row([name] + [f"{translation[c][name]:.0f}" for c in translation]))
    lines += ["", "Operations: " + "; ".join(f"`{k}` = {v}" for k, v in OPERATIONS.items())
              + ".", ""]
    return "\n".join(lines)


def _method(results):
    repetitions = results["repetitions"]
    if repetitions == 1 or results.get("equal_counts") is None:
        return f"medians of {repetitions} repetition(s) under the time budget."
    counts = ", ".join(f"{k} {v}" for k, v in results["equal_counts"].items()) or "none"
    return (f"medians of repetitions 2–{repetitions}; the first only calibrated the counts: "
            f"afterwards every client ran the same number of each operation ({counts}; the "
            "others as planned), each after one unmeasured warm-up.")


def _machine(machine):
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    return (f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}; "
            f"{machine['platform']}; Python {machine['python']}; {versions}.")


def _table_header(header):
    return [_row(header), _row(["---"] * len(header))]


def _row(cells):
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _ops(medians, operation):
    """The most operations any client ran (the others stopped early on their time budget)."""
    return max((client[operation]["operations"] for client in medians.values()
                if "operations" in client.get(operation, {})), default="")


def _figure(measured, key, form="{:.3f}", planned=None):
    if measured is None:
        return "–"
    if "unsupported" in measured:
        return "unsupported"
    if "failed" in measured:
        return "failed"
    figure = form.format(measured[key])
    if planned is not None and measured["operations"] < planned:
        figure += f" (n={measured['operations']})"
    return figure


def _ratio(medians, operation, other, limit, applies=True, core=CORE):
    core, reference = medians[core].get(operation, {}), medians[other].get(operation, {})
    if "cpu_ms" not in core or "cpu_ms" not in reference:
        return "–"
    ratio = core["cpu_ms"] / reference["cpu_ms"]
    if not applies:
        return f"{ratio:.2f} (n/a)"
    return f"{ratio:.2f}" + ("" if ratio <= limit else " ✗")
