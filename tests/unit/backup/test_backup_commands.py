"""The borg argv builders are pure: same input, same tuple; borg's own rules enforced."""

import pytest

from backup import commands


def test_init_is_repokey_blake2_with_log_json():
    argv = commands.init_argv("/srv/depot", make_parent_dirs=True)
    assert argv == (
        "init",
        "--log-json",
        "--encryption=repokey-blake2",
        "--make-parent-dirs",
        "/srv/depot",
    )
    assert "--append-only" in commands.init_argv("/d", append_only=True)


def test_create_has_json_compression_and_archive_ref():
    argv = commands.create_argv(
        "ssh://b@h:22/d", "cartable-2026-01-01T01:30:00", ["/a/./b", "/c/./d"], comment="x"
    )
    assert argv[:3] == ("create", "--json", "--log-json")
    assert "--one-file-system" in argv and argv[argv.index("--comment") :][:2] == ("--comment", "x")
    assert argv[-3:] == ("ssh://b@h:22/d::cartable-2026-01-01T01:30:00", "/a/./b", "/c/./d")
    with pytest.raises(ValueError):
        commands.create_argv("/d", "a", [])


@pytest.mark.parametrize(
    "bad", ["", "a::b", "a/b", "latest::x", "-x", "--help", "{now}", "a\nb", "x\u202e", "a" * 201]
)
def test_archive_ref_refuses_bad_names(bad):
    with pytest.raises(ValueError):
        commands.archive_ref("/d", bad)


@pytest.mark.parametrize(
    "good", ["cartable-2026-01-01T01:30:00", "avant-restauration-2026-01-01T01:30:00", "été 2026"]
)
def test_archive_names_borg_accepts_are_kept(good):
    assert commands.archive_ref("/d", good) == f"/d::{good}"


def test_user_positionals_follow_a_double_dash():
    """A path such as --patterns-from=/etc/passwd must reach borg as a path."""
    evil = "--patterns-from=/etc/passwd"
    for argv in (
        commands.list_items_argv("/d", "a", [evil]),
        commands.extract_argv("/d", "a", [evil]),
        commands.create_argv("/d", "a", [evil]),
        commands.info_argv("/d", "a"),
    ):
        assert argv[argv.index("--") + 1] == "/d::a"
        assert evil not in argv[: argv.index("--")]


def test_list_info_extract_key_break_lock():
    assert commands.list_archives_argv("/d", last=1) == (
        "list",
        "--json",
        "--log-json",
        "--last",
        "1",
        "/d",
    )
    assert commands.list_items_argv("/d", "a", ["files"])[-2:] == ("/d::a", "files")
    assert commands.info_argv("/d", all_archives=True)[-3:] == ("--glob-archives", "*", "/d")
    assert commands.info_argv("/d", "a")[-1] == "/d::a"
    assert commands.extract_argv("/d", "a", ["x"], strip_components=1) == (
        "extract",
        "--log-json",
        "--strip-components",
        "1",
        "--",
        "/d::a",
        "x",
    )
    assert commands.key_export_paper_argv("/d") == ("key", "export", "--paper", "/d")
    assert commands.break_lock_argv("/d") == ("break-lock", "--log-json", "/d")
    assert commands.compact_argv("/d") == ("compact", "--log-json", "/d")


def test_prune_keeps_and_refuses_all_zero():
    argv = commands.prune_argv("/d", keep_daily=7, keep_weekly=4, keep_monthly=12)
    assert argv[argv.index("--keep-daily") :][:2] == ("--keep-daily", "7")
    assert argv[argv.index("--glob-archives") :][:2] == ("--glob-archives", "cartable-*")
    with pytest.raises(ValueError):
        commands.prune_argv("/d", keep_daily=0, keep_weekly=0, keep_monthly=0)


def test_check_follows_borg_rules():
    assert commands.check_argv("/d") == ("check", "--log-json", "/d")
    assert commands.check_argv("/d", repository_only=True, max_duration=600) == (
        "check",
        "--log-json",
        "--repository-only",
        "--max-duration",
        "600",
        "/d",
    )
    assert "--verify-data" in commands.check_argv("/d", archives_only=True, verify_data=True)
    with pytest.raises(ValueError, match="max-duration"):
        commands.check_argv("/d", verify_data=True, max_duration=60)
    with pytest.raises(ValueError):
        commands.check_argv("/d", repository_only=True, verify_data=True)
    with pytest.raises(ValueError):
        commands.check_argv("/d", repository_only=True, archives_only=True)
