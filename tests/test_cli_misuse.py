"""The command line under misuse, second round (an audit of every subcommand): argparse's own
complaints, empty folders' names, a compounds file with a generated street's parameters, a class
save over someone's file, a host that is not this computer, a Ctrl-C inside compiled code, a run
folder behind a symbolic link or on a mount point. Each is one line before anything runs, and
loses nothing."""

import json
import os
from pathlib import Path

import pytest

from govsim.cli import _interrupted, main
from model.errors import OutputError
from model.parameters import defaults
from model.run import check_run_folder
from model.world import FILE_GIVES, check_compounds, generate_compounds
from model.world_store import _Reading
from model.streams import Streams

from test_misuse import compounds_csv, one_line_error


def test_argparse_complaints_are_one_line_naming_the_flag(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--seed", "abc"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("govsim: error:"), err
    assert "--seed" in err and "'abc'" in err and "govsim run --help" in err


def test_an_unknown_flag_points_to_its_subcommands_help(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--seeds", "3"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--seeds" in err and "govsim run --help" in err, err


def test_help_still_shows_the_usage(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--help"])
    assert stop.value.code == 0
    assert "usage: govsim run" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["run", "--steps", "1"], ["cycle"], ["experiment", "x.toml"]])
def test_an_empty_out_is_refused_not_taken_for_the_default(capsys, command):
    one_line_error(capsys, command + ["--out", ""], "--out", "a folder path")


def test_the_parameters_a_compounds_file_replaces_are_read_only_by_the_generated_street():
    """FILE_GIVES is exactly what the street generator reads and a compounds file's check does not."""
    p = defaults()
    generated, checked = _Reading(p), _Reading(p)
    generate_compounds(generated, Streams(0))
    check_compounds(generate_compounds(p, Streams(0))[["community", "type", "households"]], checked)
    for name in FILE_GIVES:
        assert name in generated.read and name not in checked.read, name


def test_a_generated_streets_parameter_with_a_compounds_file_is_refused(tmp_path, capsys):
    f = compounds_csv(tmp_path, ["A,old,120,C1", "B,commercial,80,C2"])
    out = tmp_path / "r"
    one_line_error(capsys, ["run", "--compounds", str(f), "--set", "n_communities=7", "--steps", "1", "--out", str(out)],
                   "n_communities", "7", "--compounds")
    assert not out.exists()


def test_a_run_on_a_compounds_file_records_its_street_and_the_file(tmp_path):
    f = compounds_csv(tmp_path, ["A,old,120,C1", "B,commercial,80,C2", "B,old,50,C3"])
    out = tmp_path / "r"
    assert main(["run", "--compounds", str(f), "--steps", "2", "--no-figure", "--out", str(out)]) == 0
    street = json.loads((out / "summary.json").read_text(encoding="utf-8"))["street"]
    assert street == {"households": 250, "compounds": 3, "communities": 2, "compounds_file": str(f)}


def test_params_markdown_with_a_group_is_refused(capsys):
    one_line_error(capsys, ["params", "--markdown", "--group", "world"], "--group", "--markdown")


@pytest.mark.parametrize("flags, field", [(["--seeds", "0"], "--seeds"), (["--seeds", "-1"], "--seeds"),
                                          (["--households", "0"], "--households"),
                                          (["--households", "5000001"], "--households")])
def test_cycle_checks_its_flags_before_running(tmp_path, capsys, flags, field):
    out = tmp_path / "cy"
    one_line_error(capsys, ["cycle", "--out", str(out)] + flags, field)
    assert not out.exists()


def test_cycle_into_a_file_is_one_line_and_keeps_the_file(tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("mine", encoding="utf-8")
    one_line_error(capsys, ["cycle", "--out", str(f), "--seeds", "1"], str(f))
    assert f.read_text(encoding="utf-8") == "mine"


def test_a_class_save_over_a_file_that_is_not_a_class_is_refused_and_the_file_kept(tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("notes", encoding="utf-8")
    one_line_error(capsys, ["class", "--port", "8799", "--save", str(f)], "--save", "would be overwritten")
    assert f.read_text(encoding="utf-8") == "notes"


def test_a_class_save_into_a_folder_is_refused(tmp_path, capsys):
    one_line_error(capsys, ["class", "--port", "8799", "--save", str(tmp_path)], "--save", "folder")


@pytest.mark.parametrize("command", ["demo", "class"])
def test_a_host_that_is_not_this_computer_names_the_host_not_the_port(capsys, command):
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): a numeric address no interface here has, so no DNS is asked
    one_line_error(capsys, [command, "--host", "192.0.2.1", "--port", "8799"], "--host", "192.0.2.1")


def test_a_ctrl_c_wrapped_by_compiled_code_counts_as_an_interrupt(capsys, monkeypatch):
    def wrapped():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:  # how numba's callback into Python reports it
            raise SystemError("<built-in function _numba_unpickle> returned a result with an exception set") from exc

    with pytest.raises(SystemError) as caught:
        wrapped()
    assert _interrupted(caught.value) and not _interrupted(SystemError("a real one"))
    import govsim.cli as cli

    monkeypatch.setattr(cli, "cmd_scenarios", lambda a: wrapped())  # the parser binds it when made
    assert main(["scenarios"]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "govsim: interrupted" and "Traceback" not in err


def test_a_run_saved_through_a_symbolic_link_fills_the_folder_and_keeps_the_link(tmp_path):
    real, link = tmp_path / "real", tmp_path / "link"
    real.mkdir()
    link.symlink_to(real, target_is_directory=True)
    assert main(["run", "--households", "200", "--steps", "2", "--no-figure", "--out", str(link)]) == 0
    assert link.is_symlink() and (real / "summary.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]  # nothing set aside beside them


def test_a_mount_point_is_refused_before_the_run(tmp_path, monkeypatch, capsys):
    mount = tmp_path / "volume"
    mount.mkdir()
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real_ismount(p))
    with pytest.raises(OutputError, match="mount point"):
        check_run_folder(mount)
    one_line_error(capsys, ["run", "--households", "200", "--steps", "1", "--out", str(mount)], "mount point")
    assert list(mount.iterdir()) == []


def test_a_set_value_with_digit_separators_is_not_taken_for_a_number(capsys):
    one_line_error(capsys, ["run", "--set", "fee_old=1_0", "--steps", "1"], "fee_old", "1_0")


def test_validate_knows_the_calibration_targets_file(capsys):
    root = Path(__file__).resolve().parents[1]
    assert main(["validate", str(root / "calibration" / "targets.toml")]) == 0
    assert "OK, calibration targets:" in capsys.readouterr().out


@pytest.mark.parametrize("command, flag", [(["validate", ""], "FILE"), (["run", "--scenario", " "], "--scenario"),
                                           (["experiment", ""], "FILE"), (["sensitivity", ""], "FILE"),
                                           (["calibrate", ""], "FILE"), (["report", ""], "FOLDER")])
def test_an_empty_file_name_is_named_as_given_not_as_the_current_folder(capsys, command, flag):
    line = one_line_error(capsys, command, flag)
    assert "'.'" not in line


def test_report_with_an_empty_folder_name_writes_nothing_here(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(capsys, ["report", ""], "FOLDER")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scheduler", ["nosuch"])
def test_calibrate_checks_its_scheduler_before_anything_is_written(tmp_path, capsys, scheduler):
    root = Path(__file__).resolve().parents[1]
    out, db = tmp_path / "cal", tmp_path / "c.db"
    one_line_error(capsys, ["calibrate", str(root / "calibration" / "fanrong.toml"), "--out", str(out), "--db", str(db),
                            "--scheduler", scheduler], "--scheduler", scheduler)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value, word", [("", "a path"), (".", "folder")])
def test_calibrate_checks_scenario_out_before_running(tmp_path, capsys, value, word):
    root = Path(__file__).resolve().parents[1]
    one_line_error(capsys, ["calibrate", str(root / "calibration" / "fanrong.toml"), "--out", str(tmp_path / "cal"),
                            "--db", str(tmp_path / "c.db"), "--scenario-out", value], "--scenario-out", word)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["run", "--steps", "2"], ["cycle", "--seeds", "1"]])
def test_a_file_given_as_out_names_the_flag(capsys, tmp_path, command):
    """The one-line refusal names the path and the flag it came from, and the file is kept."""
    in_the_way = tmp_path / "notes.txt"
    in_the_way.write_text("keep me")
    one_line_error(capsys, [*command, "--out", str(in_the_way)], f"cannot write '{in_the_way}' (for --out): a file is in the way")
    assert in_the_way.read_text() == "keep me"
