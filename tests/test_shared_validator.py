"""The warm validator `campaign serve` keeps for the hand runs of its data dir (expectations.shared)."""
from __future__ import annotations

import json
import stat
import threading

import pytest

from expectations import background, shared
from expectations.runner import validate_here
from expectations.validate import validate
from tests.test_expectations import batch  # noqa: F401  (the module's batch of every case)

pytestmark = pytest.mark.usefixtures("without_the_runs_validator")   # each test keeps its own


def test_a_hand_run_validates_in_the_warm_validator_and_finds_the_same(batch, config, tmp_path, caplog):  # noqa: F811
    batches, _ = batch
    tolerance = float(config.sum_tolerance)
    here = validate_here(batches, tolerance)
    with shared.kept(tmp_path) as record:
        assert record == tmp_path / "prefect" / "validator.json"
        assert stat.S_IMODE(record.stat().st_mode) == 0o600   # it holds the key
        with caplog.at_level("INFO", logger="campaign.validate"):
            with background.started(tmp_path) as remote:
                assert isinstance(remote, shared.Remote) and background.running() is remote
                assert validate(batches, tolerance) == here != []
        assert "warm validator of `campaign serve`" in caplog.text
        assert background.running() is None

        # two hand runs at once: each gets its own answer
        answers = []

        def run() -> None:
            r = shared.connect(tmp_path)
            answers.append(r.validate(batches, tolerance))
            r.stop()
        threads = [threading.Thread(target=run) for _ in range(2)]
        [t.start() for t in threads]
        [t.join(120) for t in threads]
        assert answers == [here, here]
    assert not record.exists()                                 # forgotten when serve stops
    assert shared.connect(tmp_path) is None


def test_a_validator_of_other_code_or_gone_is_not_used(tmp_path, monkeypatch):
    with shared.kept(tmp_path) as record:
        with monkeypatch.context() as patched:
            patched.setattr(shared, "fingerprint", lambda: "the code of another version")
            assert shared.connect(tmp_path) is None            # serve was not restarted after an update
        assert shared.connect(tmp_path) is not None
        kept = json.loads(record.read_text(encoding="utf-8"))
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(kept), encoding="utf-8")    # a record left by a killed serve
    assert shared.connect(tmp_path) is None
    record.write_text("not json", encoding="utf-8")
    assert shared.connect(tmp_path) is None


def test_the_environment_names_the_validator_for_any_data_dir(tmp_path, monkeypatch):
    with shared.kept(tmp_path / "serve-data") as record:
        monkeypatch.setenv(shared.ENV, str(record))
        remote = shared.connect(tmp_path / "another-data-dir")
        assert remote is not None
        remote.stop()
