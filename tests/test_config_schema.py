"""The config file is checked when loaded: each mistake is one line naming the file, the key and
the value, exit 2, before anything runs (no data dir, no warehouse, no Prefect)."""
from __future__ import annotations


import re

import pytest

from campaign.config import DEFAULT_CONFIG, load_config
from campaign.errors import InputError
from tests.helpers import config_file


MISTAKES = [
    # (what the clerk typed, the words the one line must contain)
    ((r'^sum_tolerance = .*$', 'sum_tolerance = "-0.005"'), ['[validation] sum_tolerance = "-0.005"', "≥ 0"]),
    ((r'^sum_tolerance = .*$', 'sum_tolerance = "abc"'), ['sum_tolerance = "abc"', "decimal"]),
    ((r'^run_lock_wait_seconds', 'run_lock_wait_secnds'), ["[operations] run_lock_wait_secnds = 600", "unknown key"]),
    ((r'^retries = 3', 'retires = 3'), ["[operations] retires = 3", "unknown key"]),
    ((r'^\[operations\]', '[operation]'), ["unknown section [operation]"]),
    ((r'^settle_seconds = \d+', 'settle_seconds = -30'), ["[intake] settle_seconds = -30", "≥ 0"]),
    ((r'^people_high = \d+', 'people_high = -500'), ["[risk] people_high = -500", "≥ 0"]),
    ((r'^people_high = \d+\s.*$', ''), ["[risk] people_high is missing"]),
    ((r'^people_high = \d+', 'people_high = "500"'), ['[risk] people_high = "500"', "number"]),
    ((r'^people_medium = \d+', 'people_medium = 900'), ["[risk] people_medium = 900", "people_high = 500"]),
    ((r'^forms_due = \S+', 'forms_due = 2018-08-20'), ["[campaign] forms_due = 2018-08-20", "inside the screening window"]),
    ((r'^screening_end = \S+', 'screening_end = 2018-05-01'), ["screening_end = 2018-05-01", "before screening_start"]),
    ((r'^hour = \d+', 'hour = 25'), ["[schedule] hour = 25", "≤ 23"]),
    ((r'^timezone = .*$', 'timezone = "Asia/Shangai"'), ['timezone = "Asia/Shangai"', "time zone"]),
    ((r'^retries = 3', 'retries = true'), ["[operations] retries = true", "whole number"]),
    ((r'^counties = \["田家庵区"', 'counties = ["田家庵区", "田家庵区"'), ["'田家庵区'", "duplicate unit"]),
    ((r'^    "市公安局"', '    "寿县"'), ["'寿县'", "duplicate unit", "counties"]),
    ((r'^task_runner = .*$', 'task_runner = "thread"'), ['[execution] task_runner = "thread"', "threads"]),
    ((r'^batch_files = .*$', 'batch_files = 0'), ["[execution] batch_files = 0", "≥ 1"]),
    ((r'^department = .*$', 'department = ["附件1", "附件4"]'), ["[units.required_forms] department", "附件4"]),
    ((r'^accepted_extensions = .*$', 'accepted_extensions = "xlsx"'), ['accepted_extensions = "xlsx"', "list"]),
]


@pytest.mark.parametrize("edit, words", MISTAKES, ids=[m[0][1][:28] or m[0][0][:28] for m in MISTAKES])
def test_each_config_mistake_is_one_line_naming_file_key_and_value(tmp_path, capsys, edit, words):
    from cli.main import main

    cfg = str(config_file(tmp_path, "bad.toml", edits=(edit,)))
    data = tmp_path / "data"
    assert main(["nightly", "--inbox", str(tmp_path), "--data-dir", str(data), "--config", cfg]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert cfg in err, err
    for w in words:
        assert w in err, (w, err)
    assert not data.exists()      # before anything ran


def test_not_toml_at_all_is_one_line(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[campaign\nname = 1", encoding="utf-8")
    with pytest.raises(InputError, match=r"c\.toml: not valid TOML"):
        load_config(path)


def test_a_config_saved_by_notepad_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + DEFAULT_CONFIG.read_bytes())
    assert load_config(path).units == load_config(DEFAULT_CONFIG).units


def test_the_packaged_config_and_the_other_capabilities_sections_are_checked(tmp_path):
    config = load_config(DEFAULT_CONFIG)
    assert config.raw["office"]["phone"] and config.raw["documents"]["extensions"]
    for edit, words in (((r'^min_score = 85', 'min_score = 850'), ["[identity] min_score = 850", "≤ 100"]),
                        ((r'^min_score = 85', 'min_scor = 85'), ["[identity] min_scor = 85", "unknown key"]),
                        ((r'^phone = .*$', 'phone = 6678057'), ["[office] phone = 6678057", "string"]),
                        ((r'^max_pdf_pages = 300', 'max_pdf_pages = 0'), ["[documents] max_pdf_pages = 0", "≥ 1"]),
                        ((r'^county\."工作动态信息" = \{ count = 2', 'county."工作动态信息" = { count = -2'),
                         ["[obligations]", "count = -2"])):
        with pytest.raises(InputError, match=re.escape(words[0])) as caught:
            load_config(config_file(tmp_path, "bad.toml", edits=(edit,)))
        for w in words:
            assert w in str(caught.value), (w, str(caught.value))


def test_a_typo_never_silently_changes_behaviour(tmp_path):
    """The issue's own cases: before the schema, these ran with the check off or a 0 s wait."""
    for edit, says in (((r'^sum_tolerance = .*$', 'sum_tolerance = "-0.005"'), r'sum_tolerance = "-0\.005".*≥ 0'),
                       ((r'^run_lock_wait_seconds', 'run_lock_wait_secnds'), "run_lock_wait_secnds = 600.*unknown key")):
        with pytest.raises(InputError, match=says):
            load_config(config_file(tmp_path, "bad.toml", edits=(edit,)))
