"""Removable disks by UUID: /dev/disk/by-uuid + /proc/mounts, and the repository id."""

import uuid

import pytest

from backup.disks import locate_filesystem, mounted_repository, read_repo_id
from backup.errors import RepositoryUnavailable


def test_absent_disk_is_not_present():
    assert not locate_filesystem(str(uuid.uuid4())).present


def test_disk_found_through_by_uuid_and_mounts(tmp_path):
    by_uuid = tmp_path / "by-uuid"
    by_uuid.mkdir()
    device = tmp_path / "sdz1"
    device.touch()
    (by_uuid / "1234-ABCD").symlink_to(device)
    mounts = tmp_path / "mounts"
    mounts.write_text(f"{device} /media/clé\\040usb vfat rw 0 0\n")
    state = locate_filesystem("1234-ABCD", by_uuid_dir=by_uuid, mounts_file=mounts)
    assert state.present and str(state.mountpoint) == "/media/clé usb"
    mounts.write_text("")
    unmounted = locate_filesystem("1234-ABCD", by_uuid_dir=by_uuid, mounts_file=mounts)
    assert unmounted.present and unmounted.mountpoint is None
    with pytest.raises(RepositoryUnavailable, match="pas monté") as exc:
        with mounted_repository(
            "1234-ABCD",
            "/x",
            mount_dir=tmp_path / "m",
            automount=False,
            by_uuid_dir=by_uuid,
            mounts_file=mounts,
        ):
            pass
    assert exc.value.skippable


def test_absent_disk_is_skippable(tmp_path):
    with pytest.raises(RepositoryUnavailable, match="disque absent") as exc:
        with mounted_repository(str(uuid.uuid4()), "/x", mount_dir=tmp_path / "m"):
            pass
    assert exc.value.skippable


def test_wrong_disk_is_not_skippable(tmp_path):
    by_uuid, mnt = tmp_path / "by-uuid", tmp_path / "mnt"
    by_uuid.mkdir()
    (mnt / "depot").mkdir(parents=True)
    (mnt / "depot" / "config").write_text("[repository]\nid = aaaa\n")
    (by_uuid / "U1").symlink_to(tmp_path / "dev")
    (tmp_path / "dev").touch()
    mounts = tmp_path / "mounts"
    mounts.write_text(f"{tmp_path / 'dev'} {mnt} ext4 rw 0 0\n")
    assert read_repo_id(mnt / "depot") == "aaaa"
    opts = {"mount_dir": tmp_path / "m", "by_uuid_dir": by_uuid, "mounts_file": mounts}
    with mounted_repository("U1", "/depot", expected_repo_id="aaaa", **opts) as path:
        assert path == mnt / "depot"
    with pytest.raises(RepositoryUnavailable, match="bon disque") as exc:
        with mounted_repository("U1", "/depot", expected_repo_id="bbbb", **opts):
            pass
    assert not exc.value.skippable
