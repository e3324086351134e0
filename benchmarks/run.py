"""Measure the reasoner per stage, per engine, in batch, and against the floor.

    .venv/bin/python benchmarks/run.py                       # defaults below
    .venv/bin/python benchmarks/run.py --cases 200 --rdflib-cases 20 --batch-cases 400

Prints, on synthetic cases (benchmarks/synthetic.py, all valid per the shapes):

1. one whole `glr recommend` process per engine (start-up included);
2. per engine, milliseconds per case for each stage — parse, time
   normalisation, validate, rules, explanation, output (JSON) — and cases/s;
3. the floor: the same pySHACL call and the same rule CONSTRUCT queries
   (in stage order, results added between stages) run directly on the
   libraries — no orchestration, no skolemisation, no explanations — and
   the ratio pipeline / floor; plus pyrudof validating the same graphs and
   whether its verdicts equal pySHACL's;
4. `glr batch` (the Python entry point) with 1 worker and with every core,
   with pySHACL and with the pyrudof first pass (--validator pyrudof);
5. the per-case and the multi-case path (issue 17: rules once per store of
   K cases) side by side: ms per case per stage, in process, and `glr batch`
   cases/s and CPU time per case (all processes), with their ratio
   (``--only-multicase`` prints just this);
6. with ``--per-rule``: CPU per case of each rule's query in the multi-case
   store (which rules dominate the rule stage), and of the stage around them.

Figures and the command that produced them are recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import write_directory  # noqa: E402

STAGES = ("parse", "normalise", "validate", "rules", "explain", "output")


def best_of(repeats: int, measure) -> dict[str, float]:
    """Each figure's minimum over ``repeats`` runs: the machine's noise only ever adds time."""
    runs = [measure() for _ in range(max(1, repeats))]
    return {key: min(run[key] for run in runs) for key in runs[0]}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def process_start(engine: str, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "reasoner.cli", "recommend", str(ROOT / "examples/seed-case.ttl"), "--engine", engine, "--format", "json"],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - t0)
    return best


def pipeline_stages(paths: list[Path], kb, engine: str, validator: str = "pyshacl") -> dict[str, float]:
    import functools

    from reasoner import recommend
    from reasoner.batch.rudof import RudofFirstValidator

    if validator == "pyrudof":
        recommend = functools.partial(recommend, validator=RudofFirstValidator(kb))
    return _stages(paths, kb, engine, recommend)


def _stages(paths: list[Path], kb, engine: str, recommend) -> dict[str, float]:
    recommend(paths[0], kb=kb, engine=engine)  # warm: engine created, queries compiled
    totals = dict.fromkeys(STAGES, 0.0)
    t_all = time.perf_counter()
    for path in paths:
        result = recommend(path, kb=kb, engine=engine)
        t0 = time.perf_counter()
        json.dumps(result.to_json(), ensure_ascii=False)
        totals["output"] += time.perf_counter() - t0
        for stage in STAGES[:-1]:
            totals[stage] += result.timings.get(stage, 0.0)
    wall = time.perf_counter() - t_all
    out = {stage: totals[stage] / len(paths) for stage in STAGES}
    out["total"] = wall / len(paths)
    return out


def multicase_stages(paths: list[Path], kb, cases_per_store: int) -> dict[str, float]:
    """The multi-case path of `glr batch` (reasoner/batch/many.py), per stage: parse and normalise
    each case, validate them together (reasoner/batch/validate_many.py), rules once per store of ``cases_per_store`` cases,
    then explain and JSON for each case."""
    from reasoner.batch.many import defer_validation, validate_prepared
    from reasoner.batch.multicase import MultiCaseRules
    from reasoner.batch.rudof import RudofFirstValidator
    from reasoner.batch.sources import CaseItem
    from reasoner.batch.validate_many import BatchValidator
    from reasoner.pipeline.run import explain_prepared, prepare_case

    state = {"kb": kb, "validator": RudofFirstValidator(kb)}
    together = BatchValidator(kb)
    rules = MultiCaseRules(kb)
    totals = dict.fromkeys(STAGES, 0.0)
    t_all, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(paths), cases_per_store):
        chunk = paths[start : start + cases_per_store]
        prepared = [prepare_case(path, kb=kb, validator=defer_validation) for path in chunk]
        outcomes: list = [None] * len(chunk)
        validate_prepared(together, list(enumerate(prepared)), [CaseItem(source=str(p), path=str(p)) for p in chunk], outcomes, state)
        assert outcomes == [None] * len(chunk) and all(case.report.conforms for case in prepared)
        for case in prepared:
            for stage in ("parse", "normalise", "validate"):
                totals[stage] += case.timings[stage]
        t0 = time.perf_counter()
        derived = rules.run([(case.case_iri, case.graph) for case in prepared])
        totals["rules"] += time.perf_counter() - t0
        for case, graph in zip(prepared, derived):
            t0 = time.perf_counter()
            result = explain_prepared(case, kb=kb, engine="oxigraph", derived=graph, rules_seconds=0.0)
            t1 = time.perf_counter()
            json.dumps(result.to_json(), ensure_ascii=False)
            totals["explain"] += t1 - t0
            totals["output"] += time.perf_counter() - t1
    wall = time.perf_counter() - t_all
    out = {stage: totals[stage] / len(paths) for stage in STAGES}
    out["total"] = wall / len(paths)
    out["cpu"] = (time.process_time() - cpu) / len(paths)  # all threads of this process: load-independent
    return out


def per_rule_section(paths: list[Path], kb, cases_per_store: int, top: int = 12) -> None:
    """CPU ms per case of each rule's batch query (all threads: the query runs on a helper thread)."""
    from collections import defaultdict

    from reasoner.batch.many import defer_validation
    from reasoner.batch.multicase import MultiCaseRules
    from reasoner.pipeline.run import prepare_case

    per_rule: dict[str, float] = defaultdict(float)

    class Timed(MultiCaseRules):
        def _answer(self, store, rule, *rest):  # type: ignore[no-untyped-def]
            started = time.process_time()
            try:
                return super()._answer(store, rule, *rest)
            finally:
                per_rule[rule.rule_id] += time.process_time() - started

    rules = Timed(kb)
    prepared = [prepare_case(path, kb=kb, validator=defer_validation) for path in paths]
    # Everything made so far out of the collector's way: otherwise a collection pause is
    # charged to whichever query happens to run (limit-opioids looked ~9x its cost).
    gc.collect()
    gc.freeze()
    stage = 0.0
    for start in range(0, len(prepared), cases_per_store):
        chunk = prepared[start : start + cases_per_store]
        started = time.process_time()
        rules.run([(case.case_iri, case.graph) for case in chunk])
        stage += time.process_time() - started
    gc.unfreeze()
    queries = sum(per_rule.values())
    print(f"\n## Rules per rule in the multi-case store ({len(paths)} cases, {cases_per_store} per store), CPU ms per case")
    print(f"  rule stage {_ms(stage / len(paths))}  = queries {_ms(queries / len(paths))} + around them {_ms((stage - queries) / len(paths))}")
    for rule_id, seconds in sorted(per_rule.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {_ms(seconds / len(paths))}  {rule_id}")


def multicase_section(paths: list[Path], kb, repeat: int, cases_per_store: int, batch_paths: list[Path], tmp: Path, cores: int) -> None:
    """Per-case and multi-case paths side by side, per stage and in `glr batch`, with their ratio."""
    print(f"\n## Per-case vs multi-case path (oxigraph + pyrudof first pass, {len(paths)} cases, "
          f"{cases_per_store} cases per store), ms per case, best of {repeat}")
    print(f"  {'path':11s}" + "".join(f"{s:>10s}" for s in STAGES) + f"{'total':>10s}{'cases/s':>10s}")
    per_case = best_of(repeat, lambda: pipeline_stages(paths, kb, "oxigraph", validator="pyrudof"))
    multi = best_of(repeat, lambda: multicase_stages(paths, kb, cases_per_store))
    for name, r in (("per-case", per_case), ("multi-case", multi)):
        print(f"  {name:11s}" + "".join(f"{_ms(r[s]):>10s}" for s in STAGES) + f"{_ms(r['total']):>10s}{1 / r['total']:10.1f}")
    print(f"  {'ratio':11s}" + "".join(f"{per_case[s] / multi[s] if multi[s] else 0:9.2f}x" for s in STAGES)
          + f"{per_case['total'] / multi['total']:9.2f}x   (per-case time / multi-case time)")
    print(f"  multi-case CPU time (all threads): {_ms(multi['cpu'])} ms per case = {1 / multi['cpu']:.1f} cases per CPU-second "
          f"-> {cores / multi['cpu']:.0f} cases/s on {cores} dedicated cores")
    print(f"\n## glr batch, per-case vs multi-case (reasoner.batch.run_batch over {len(batch_paths)} case files, "
          "oxigraph + pyrudof, wall clock incl. worker start, best of 2)")
    for workers in sorted({1, cores}):
        rates, cpus = {}, {}
        for name, k in (("per-case", 1), ("multi-case", cases_per_store)):
            runs = [_batch_subset(tmp, batch_paths, "oxigraph", workers, "pyrudof", cases_per_store=k) for _ in range(2)]
            rates[name] = max(r[0] for r in runs)
            cpus[name] = min((r[3] / r[2] for r in runs if r[3] is not None), default=None)
        print(f"  workers={workers}: per-case {rates['per-case']:7.1f} cases/s, multi-case {rates['multi-case']:7.1f} cases/s, "
              f"ratio {rates['multi-case'] / rates['per-case']:.2f}x; multi-case per worker {rates['multi-case'] / workers:.1f} cases/s")
        if cpus["per-case"] and cpus["multi-case"]:
            print(f"    CPU (all processes): per-case {_ms(cpus['per-case'])} ms per case, multi-case {_ms(cpus['multi-case'])} ms per case "
                  f"= {1 / cpus['multi-case']:.1f} cases per CPU-second -> {cores / cpus['multi-case']:.0f} cases/s on {cores} dedicated cores")


def floor(paths: list[Path], kb, engine: str, *, shacl_cases: int) -> dict[str, float]:
    """Same parse, same pySHACL call, same rule queries; nothing else.

    The rule queries see the same triples as in the pipeline: the case and
    the ontology triples rules can read (reasoner/kb/footprint.py), as
    any direct user who knew the rules would load.

    Naive pySHACL is slow on this KB's SHACL-SPARQL constraints (it re-parses
    each constraint's query per focus node), so it is timed on the first
    ``shacl_cases`` cases only.
    """
    import pyshacl
    from rdflib import Graph

    from reasoner.pipeline.timeline import elapsed_properties, normalise, resolve_as_of

    props = elapsed_properties(kb.ontology)
    prepared = []
    for path in paths:  # normalisation is not part of the floor; done outside the clock
        g = Graph().parse(path, format="turtle")
        prepared.append(normalise(g, resolve_as_of(g), props))
    stages = [kb.rules_in_stage(s) for s in kb.stages()]
    if engine == "rdflib" and not hasattr(floor, "_compiled"):  # compiled once, outside the clock, as the pipeline does
        from rdflib.plugins.sparql import prepareQuery

        floor._compiled = {r.rule_id: prepareQuery(r.query_text) for r in kb.rules}  # type: ignore[attr-defined]
    t_parse = t_validate = t_rules = 0.0
    for index, (path, graph) in enumerate(zip(paths, prepared)):
        t0 = time.perf_counter()
        Graph().parse(path, format="turtle")
        t1 = time.perf_counter()
        if index < shacl_cases:
            merged = Graph()
            merged += graph
            merged += kb.ontology
            pyshacl.validate(merged, shacl_graph=kb.shapes, inference="none", advanced=False,
                             allow_infos=True, allow_warnings=True, do_owl_imports=False)
        t2 = time.perf_counter()
        if engine == "oxigraph":
            import pyoxigraph as ox
            from reasoner.pipeline.engines.oxigraph_engine import to_ox

            if not hasattr(floor, "_onto_quads"):  # converted once, as any direct user would
                floor._onto_quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in kb.ontology_for_rules()]  # type: ignore[attr-defined]
            store = ox.Store()
            store.extend(floor._onto_quads)  # type: ignore[attr-defined]
            store.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph])
            for rules in stages:
                new = []
                for rule in rules:
                    new.extend(ox.Quad(t.subject, t.predicate, t.object) for t in store.query(rule.query_text))
                store.extend(new)
        else:
            g = Graph()
            g += kb.ontology_for_rules()
            g += graph
            for rules in stages:
                new = []
                for rule in rules:
                    new.extend(g.query(floor._compiled[rule.rule_id]))  # type: ignore[attr-defined]
                for t in new:
                    g.add(t)
        t3 = time.perf_counter()
        t_parse += t1 - t0
        t_validate += t2 - t1
        t_rules += t3 - t2
    n = len(paths)
    out = {"parse": t_parse / n, "validate": t_validate / max(1, min(n, shacl_cases)), "rules": t_rules / n}
    out["total"] = out["parse"] + out["validate"] + out["rules"]
    return out


def rudof_validation(paths: list[Path], kb, repeats: int = 1) -> tuple[float, int, int] | None:
    """pyrudof on the same normalised graphs (+ ontology): ms per case (best of ``repeats``) and verdict agreement."""
    try:
        import pyrudof
    except ImportError:
        return None
    from rdflib import Graph

    from reasoner.pipeline.timeline import elapsed_properties, normalise, resolve_as_of
    from reasoner.pipeline.validation import validate_graph

    props = elapsed_properties(kb.ontology)
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_shacl(kb.shapes.serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle)
    rudof.read_data(kb.ontology.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    agree = 0
    spent = 0.0
    for path in paths:
        g = Graph().parse(path, format="turtle")
        g = normalise(g, resolve_as_of(g), props)
        expected = validate_graph(g, shapes=kb.shapes, ontology=kb.ontology).conforms
        best = float("inf")
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            data = g.serialize(format="nt")
            rudof.begin_staging()
            rudof.read_data(data, format=pyrudof.RDFFormat.NTriples, merge=True)
            report = rudof.validate_shacl()
            rudof.rollback_staging()
            conforms = not any("Violation" in str(entry.severity) for entry in report)
            best = min(best, time.perf_counter() - t0)
        spent += best
        agree += conforms == expected
    return spent / len(paths), agree, len(paths)


def query_overhead(kb, repeats: int = 20) -> float:
    """Seconds per case that pyoxigraph spends on the rule queries with no data at all.

    pyoxigraph 0.5 has no prepared queries: every call parses and plans the
    query again, so this is paid per case whatever the case holds.
    """
    import pyoxigraph as ox

    store = ox.Store()
    t0 = time.perf_counter()
    for _ in range(repeats):
        for rule in kb.rules:
            list(store.query(rule.query_text))
    return (time.perf_counter() - t0) / repeats


def target_budget(cores: int, rudof_ms: float | None, rules_floor_ms: float, overhead_ms: float, target: float = 300.0) -> None:
    """Print what the batch target leaves per case, next to the floors measured above."""
    budget = cores / target * 1000
    print(f"\n## Against the batch target ({target:.0f} cases/s on {cores} cores = {budget:.1f} ms per case per core)")
    print(f"  rule queries on an empty store (parse + plan only, pyoxigraph): {overhead_ms:6.1f} ms per case")
    print(f"  rule queries on the case, directly on pyoxigraph (floor):       {rules_floor_ms:6.1f} ms per case")
    if rudof_ms is not None:
        print(f"  validation alone, pyrudof (fastest SHACL engine available):     {rudof_ms:6.1f} ms per case")
        least = rudof_ms + rules_floor_ms
        print(f"  floor for validate + rules, nothing else: {least:.1f} ms per case -> at most {cores / least * 1000:.0f} cases/s "
              f"on {cores} cores ({least / budget:.1f}x the budget)")


def batch(directory: Path, engine: str, workers: int, validator: str = "pyshacl", cases_per_store: int = 25) -> tuple[float, float, int]:
    return batch_with_cpu(directory, engine, workers, validator, cases_per_store)[:3]  # type: ignore[return-value]


def batch_with_cpu(directory: Path, engine: str, workers: int, validator: str = "pyshacl", cases_per_store: int = 25) -> tuple[float, float, int, float | None]:
    """cases/s, wall seconds, cases, and CPU seconds of this process and its worker processes
    (None where /proc cannot be read). CPU time is what a loaded, shared machine changes least."""
    import threading

    from reasoner.batch import BatchConfig, run_batch

    seen: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:  # workers are the forkserver's children: sample them while they live
        while not stop.is_set():
            seen.update(_descendant_cpu(os.getpid()))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    with tempfile.TemporaryDirectory() as tmp:
        sampler.start()
        cpu0, t0 = time.process_time(), time.perf_counter()
        config = BatchConfig(engine=engine, validator=validator, cases_per_store=cases_per_store)
        summary = run_batch(directory, Path(tmp) / "out.ndjson", config=config, workers=workers, progress=False)
        wall, own = time.perf_counter() - t0, time.process_time() - cpu0
        stop.set()
        sampler.join()
    assert summary.failed == 0 and summary.invalid == 0, summary.to_text()
    cpu = own + sum(seen.values()) if Path("/proc/self/stat").exists() else None
    return summary.cases / wall, wall, summary.cases, cpu


def _descendant_cpu(root: int) -> dict[int, float]:
    """user + system seconds of every live descendant of ``root``, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    found: dict[int, float] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, cpu) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = cpu
                frontier.append(pid)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100, help="synthetic cases per measurement (oxigraph)")
    parser.add_argument("--rdflib-cases", type=int, default=10, help="cases for the (slow) rdflib engine")
    parser.add_argument("--batch-cases", type=int, default=200, help="cases for the batch runs")
    parser.add_argument("--engines", nargs="+", default=["oxigraph", "rdflib"])
    parser.add_argument("--batch-engines", nargs="+", default=["oxigraph"])
    parser.add_argument("--batch-validators", nargs="+", default=["pyshacl", "pyrudof"])
    parser.add_argument("--floor-shacl-cases", type=int, default=5, help="cases for naive pySHACL in the floor (slow)")
    parser.add_argument("--repeat", type=int, default=3, help="in-process measurements: best of this many runs")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-process", action="store_true")
    parser.add_argument("--cases-per-store", type=int, default=25, help="multi-case path: cases per Oxigraph store")
    parser.add_argument("--per-rule", action="store_true",
                        help="print only the CPU per case of each rule in the multi-case store (--cases cases)")
    parser.add_argument("--only-multicase", action="store_true",
                        help="print only the per-case vs multi-case comparison (--cases in process, --batch-cases in glr batch)")
    args = parser.parse_args()

    import platform

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    print(f"# {platform.python_implementation()} {platform.python_version()}, {cores} cores, {platform.machine()}")
    tmp = Path(tempfile.mkdtemp(prefix="glr-bench-"))
    paths = write_directory(max(args.cases, args.rdflib_cases, args.batch_cases), tmp / "cases")

    if args.per_rule:
        from reasoner import load_knowledge_base

        per_rule_section(paths[: args.cases], load_knowledge_base(), args.cases_per_store)
        return

    if args.only_multicase:
        from reasoner import load_knowledge_base

        kb = load_knowledge_base()
        multicase_section(paths[: args.cases], kb, args.repeat, args.cases_per_store, paths[: args.batch_cases], tmp, cores)
        return

    if not args.skip_process:
        print("\n## One case, whole process (python -m reasoner.cli recommend seed-case.ttl --format json; best of 5)")
        for engine in args.engines:
            print(f"  {engine:9s} {process_start(engine):6.2f} s")

    from reasoner import load_knowledge_base

    previous = os.environ.get("GLR_NO_KB_CACHE")
    os.environ["GLR_NO_KB_CACHE"] = "1"
    t0 = time.perf_counter()
    kb = load_knowledge_base()
    parsed = time.perf_counter() - t0
    if previous is None:
        del os.environ["GLR_NO_KB_CACHE"]
    else:
        os.environ["GLR_NO_KB_CACHE"] = previous
    load_knowledge_base()  # fills the cache (reasoner/kb/cache.py) if it is on
    t0 = time.perf_counter()
    load_knowledge_base()
    cached = time.perf_counter() - t0
    print(f"\n## Knowledge base load (once per worker): {parsed:.2f} s parsed, {cached:.3f} s from the cache "
          f"({len(kb.rules)} rules, {len(kb.shapes)} shape triples, {len(kb.ontology)} ontology triples)")

    print("\n## Per stage, ms per case (in process, knowledge base loaded, engine warm)")
    header = f"  {'engine':9s} {'cases':>5s}" + "".join(f"{s:>10s}" for s in STAGES) + f"{'total':>10s}{'cases/s':>10s}"
    print(header)
    results = {}
    for engine in args.engines:
        n = args.cases if engine == "oxigraph" else args.rdflib_cases
        r = best_of(args.repeat, lambda: pipeline_stages(paths[:n], kb, engine))
        results[engine] = (n, r)
        print(f"  {engine:9s} {n:5d}" + "".join(f"{_ms(r[s]):>10s}" for s in STAGES) + f"{_ms(r['total']):>10s}{1 / r['total']:10.1f}")
    if "oxigraph" in args.engines:
        r = best_of(args.repeat, lambda: pipeline_stages(paths[: args.cases], kb, "oxigraph", validator="pyrudof"))
        fastest = r
        print(f"  {'oxigraph':9s} {args.cases:5d}" + "".join(f"{_ms(r[s]):>10s}" for s in STAGES)
              + f"{_ms(r['total']):>10s}{1 / r['total']:10.1f}   <- with the pyrudof first pass (batch --validator pyrudof)")

    rudof = rudof_validation(paths[: args.cases], kb, args.repeat)
    print("\n## Floor: same parse + same pySHACL call + same rule queries, directly on the libraries")
    print(f"  (naive pySHACL timed on {args.floor_shacl_cases} cases; 'best floor' swaps in pyrudof for validation)")
    print(f"  {'engine':9s} {'parse':>10s}{'validate':>10s}{'rules':>10s}{'total':>10s}{'cases/s':>10s}"
          f"{'ratio':>8s}{'best floor':>12s}{'ratio':>8s}{'rules ratio':>13s}")
    for engine in args.engines:
        n, r = results[engine]
        f = best_of(args.repeat, lambda: floor(paths[:n], kb, engine, shacl_cases=args.floor_shacl_cases))
        best = f["parse"] + f["rules"] + (rudof[0] if rudof else f["validate"])
        print(f"  {engine:9s}" + "".join(f"{_ms(f[s]):>10s}" for s in ("parse", "validate", "rules", "total"))
              + f"{1 / f['total']:10.1f}{r['total'] / f['total']:7.2f}x{_ms(best):>12s}{r['total'] / best:7.2f}x"
              + f"{r['rules'] / f['rules']:12.2f}x")

    ox_floor = (best_of(args.repeat, lambda: floor(paths[: args.cases], kb, "oxigraph", shacl_cases=0))
                if "oxigraph" in args.engines else None)
    if ox_floor is not None and rudof:
        best = ox_floor["parse"] + ox_floor["rules"] + rudof[0]
        print(f"  fastest configuration (oxigraph + pyrudof first pass): pipeline {_ms(fastest['total'])} ms "
              f"vs best floor {_ms(best)} ms = {fastest['total'] / best:.2f}x  (target <= 1.5x)")

    if rudof:
        ms, agree, n = rudof
        print(f"\n## pyrudof validation of the same graphs (+ ontology, staged per case): {ms * 1000:.1f} ms per case; "
              f"same conforms verdict as pySHACL on {agree}/{n}")

    if ox_floor is not None:
        target_budget(cores, rudof[0] * 1000 if rudof else None, ox_floor["rules"] * 1000, query_overhead(kb) * 1000)

    if "oxigraph" in args.engines and not args.skip_batch:
        multicase_section(paths[: args.cases], kb, args.repeat, args.cases_per_store, paths[: args.batch_cases], tmp, cores)

    if not args.skip_batch:
        print(f"\n## Batch (reasoner.batch.run_batch over {args.batch_cases} case files; wall clock incl. worker start)")
        for engine in args.batch_engines:
            for validator in args.batch_validators:
                for workers in sorted({1, cores}):
                    rate, wall, count, _ = _batch_subset(tmp, paths[: args.batch_cases], engine, workers, validator)
                    print(f"  {engine:9s} --validator {validator:8s} workers={workers}: {count} cases in {wall:6.2f} s = {rate:7.1f} cases/s")


def _batch_subset(tmp: Path, paths: list[Path], engine: str, workers: int, validator: str, cases_per_store: int = 25) -> tuple[float, float, int, float | None]:
    sub = tmp / f"batch-{len(paths)}"
    if not sub.exists():
        sub.mkdir()
        for p in paths:
            (sub / p.name).write_bytes(p.read_bytes())
    return batch_with_cpu(sub, engine, workers, validator, cases_per_store)


if __name__ == "__main__":
    main()
