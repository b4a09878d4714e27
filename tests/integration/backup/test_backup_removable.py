"""A removable disk recognised by its file-system UUID: a real ext4 file system on a loop
device (root only), mounted by the job when nobody did, found wherever it is mounted."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from backup import jobs, setup
from backup.disks import locate_filesystem
from tests.fixtures.tools import needs

# `make test` runs as root on a fresh machine (CI too): only a non-root run skips these.
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="un disque de test (loop) demande root"),
    needs("mkfs.ext4", "e2fsprogs"),
    needs("losetup", "mount"),
]


@pytest.fixture
def usb_disk(tmp_path):
    fs_uuid = str(uuid.uuid4())
    image = tmp_path / "usb.img"
    with open(image, "wb") as fh:
        fh.truncate(48 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-U", fs_uuid, str(image)], check=True)
    proc = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True)
    if proc.returncode != 0:
        # a container without loop devices: the kernel's, no package can bring them
        pytest.skip(f"le noyau n'offre pas de périphérique loop ici : {proc.stderr.strip()}")
    device = proc.stdout.strip()
    yield fs_uuid, device
    subprocess.run(["umount", device], capture_output=True)
    subprocess.run(["losetup", "-d", device], capture_output=True)


def test_removable_disk_is_mounted_for_the_job_and_found_where_mounted(
    ctx, school, usb_disk, tmp_path
):
    fs_uuid, device = usb_disk
    assert locate_filesystem(fs_uuid).present
    url = f"removable://{fs_uuid}/sauvegardes/cartable"
    init = setup.init_repository(ctx, "usb", url)
    assert init.created and init.repository.kind == "removable"
    assert locate_filesystem(fs_uuid).mountpoint is None  # unmounted after init

    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    assert locate_filesystem(fs_uuid).mountpoint is None  # unmounted after the job

    media = tmp_path / "media" / "usb"
    media.mkdir(parents=True)
    subprocess.run(["mount", device, str(media)], check=True)
    try:
        (rec,) = jobs.run_backup(ctx, school)  # another mount point: same repository id
        assert rec.outcome == "ok", rec.message
        assert locate_filesystem(fs_uuid).mountpoint == media  # left as the technician had it
    finally:
        subprocess.run(["umount", str(media)], check=True)
