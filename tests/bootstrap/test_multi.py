"""Running a multilingual plan (bootstrap.multi): outputs, the task cache, --add, one language's
failure, and a real Dask cluster of separate processes giving the local run's result."""
import json
import shutil

import numpy as np
import pytest

from fixtures.multi_plan import write_plan
from offramp.bootstrap.errors import InputsError

pytest.importorskip("distributed")

from offramp.bootstrap.multi import run_plan  # noqa: E402


def _vectors(out, code):
    from offramp.bootstrap.io.embeddings import load_embeddings

    return load_embeddings(out / "aligned" / f"{code}.vec", progress=False)


@pytest.fixture(scope="module")
def vector_run(tmp_path_factory):
    """A plan of ready vectors (en hub, de by dictionary, fr by shared numerals), run once locally."""
    root = tmp_path_factory.mktemp("plan")
    plan = write_plan(root, seeds={"de": "dictionary"}, vectors=True)
    return root, plan, run_plan(plan, progress=False)


def test_outputs(vector_run):
    from gensim.models import KeyedVectors

    root, _, report = vector_run
    out = root / "out"
    space = KeyedVectors.load_word2vec_format(str(out / "multilingual.vec"))
    assert {"en:en30", "de:de30", "fr:fr30", "de:100"} <= set(space.key_to_index)
    assert len(space) == sum(len(_vectors(out, code)) for code in ("en", "de", "fr"))
    assert np.allclose(space["de:de30"], _vectors(out, "de")["de30"], atol=1e-6)
    lexicon = (out / "lexicons" / "de-fr.tsv").read_text(encoding="utf-8").splitlines()
    assert lexicon[0].startswith("#") and len(lexicon) > 100
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved["languages"] == ["en", "de", "fr"] and saved["hub"] == "en"
    assert set(saved["evaluation"]) == {"hub", "joint"}
    assert set(saved["evaluation"]["joint"]) == {"de-fr", "fr-de"}
    assert saved["signature"].startswith("offramp:") and "method:multi" in saved["signature"]
    assert saved["failed"] == {}
    assert {t["status"] for t in saved["tasks"].values()} <= {"done", "cached"}
    assert "joint" in report["table"] and "de-fr" in report["table"]


def test_joint_space_translates(vector_run):
    _, _, report = vector_run
    joint = report["evaluation"]["joint"]
    assert joint["de-fr"]["p@1"] >= report["evaluation"]["hub"]["de-fr"]["p@1"]
    assert joint["de-fr"]["p@1"] > 80


def test_rerun_is_cached(vector_run):
    root, plan, first = vector_run
    again = run_plan(plan, progress=False)
    assert {t["status"] for t in again["tasks"].values()} == {"cached"}
    assert again["evaluation"] == first["evaluation"]


def test_add_joins_without_moving_the_others(tmp_path):
    plan = write_plan(tmp_path, languages=("en", "de"), seeds={"de": "dictionary"}, vectors=True)
    run_plan(plan, progress=False)
    before = {code: (tmp_path / "out" / "aligned" / f"{code}.vec").read_bytes() for code in ("en", "de")}
    bigger = write_plan(tmp_path, languages=("en", "de", "fr"), seeds={"de": "dictionary"}, vectors=True)
    report = run_plan(bigger, add=["fr"], progress=False)
    assert report["languages"] == ["en", "de", "fr"] and report["added"] == ["fr"]
    for code, data in before.items():
        assert (tmp_path / "out" / "aligned" / f"{code}.vec").read_bytes() == data
    assert report["evaluation"]["joint"]["de-fr"]["p@1"] > 80
    with pytest.raises(InputsError, match="already in the space"):
        run_plan(bigger, add=["fr"], progress=False)


def test_add_needs_an_existing_space(tmp_path):
    plan = write_plan(tmp_path, vectors=True)
    with pytest.raises(InputsError, match="holds none"):
        run_plan(plan, add=["fr"], progress=False)


def test_one_failure_lets_the_others_finish(tmp_path):
    plan = write_plan(tmp_path, languages=("en", "de", "fr", "es"), seeds={"de": "dictionary"}, vectors=True)
    # a dictionary whose words are in neither vocabulary: de's link fails when it looks them up
    (tmp_path / "en-de.txt").write_text("nowhere\tnirgends\n", encoding="utf-8")
    report = run_plan(plan, progress=False)
    assert list(report["failed"]) == ["link:de"]
    assert "no pair" in report["failed"]["link:de"] or "vocabular" in report["failed"]["link:de"]
    assert f"{plan}: the seed dictionary of de (languages.de.dictionary = {tmp_path / 'en-de.txt'})" in \
        report["failed"]["link:de"]
    assert report["languages"] == ["en", "fr", "es"]
    assert report["evaluation"]["joint"]["fr-es"]["p@1"] > 80
    assert report["tasks"]["link:de"]["status"] == "failed"


def test_bad_plan_fails_before_any_task(tmp_path):
    plan = write_plan(tmp_path, vectors=True)
    plan.write_text(plan.read_text(encoding="utf-8").replace("[languages.fr]", "[languages.xx1]"), encoding="utf-8")
    with pytest.raises(InputsError, match="xx1"):
        run_plan(plan, progress=False)
    assert not (tmp_path / "out" / "cache").exists()


def test_cluster_run_equals_local_run(dask_cluster, tmp_path):
    """Training, links and the joint step on a scheduler with two worker processes give the local
    cluster's space."""
    address, workers = dask_cluster
    local_root, remote_root = tmp_path / "local", tmp_path / "remote"
    local_root.mkdir()
    plan = write_plan(local_root, seeds={"de": "dictionary"})
    shutil.copytree(local_root, remote_root)
    local = run_plan(plan, progress=False)
    remote = run_plan(remote_root / "plan.toml", scheduler=address, progress=False)
    used = {t["worker"] for t in remote["tasks"].values()}
    assert used <= set(workers) and len(used) == 2
    for code in ("en", "de", "fr"):
        a, b = _vectors(local_root / "out", code), _vectors(remote_root / "out", code)
        assert a.index_to_key == b.index_to_key
        assert np.allclose(a.vectors, b.vectors, atol=1e-5)
    assert local["evaluation"] == remote["evaluation"]


@pytest.mark.parametrize("seed", ["pivot", "verses"])
def test_pivot_and_verse_seeds_link_to_the_hub(tmp_path, seed):
    """fr reaches the hub through de's dictionary (pivot), or through verses it shares with the hub."""
    plan = write_plan(tmp_path, seeds={"de": "dictionary", "fr": seed}, vectors=True)
    report = run_plan(plan, progress=False)
    assert report["failed"] == {}
    assert report["links"]["fr"]["seed"] == ("dictionary" if seed == "pivot" else "parallel")
    assert report["links"]["fr"]["n_seed_pairs"] >= 20
    assert report["evaluation"]["joint"]["de-fr"]["p@1"] > 80


def test_no_language_linked_is_a_clear_error(tmp_path):
    from offramp.bootstrap.multi import PlanRunError

    plan = write_plan(tmp_path, languages=("en", "de"), seeds={"de": "dictionary"}, vectors=True)
    (tmp_path / "en-de.txt").write_text("nowhere\tnirgends\n", encoding="utf-8")
    with pytest.raises(PlanRunError, match="no language could be linked to the hub en: link:de: "):
        run_plan(plan, progress=False)
