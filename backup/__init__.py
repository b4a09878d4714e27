"""Everything about backups: borg, consistent snapshots, job bodies, restores, drills.

This package imports nothing from `appliance/` or `webui/`: it is given paths,
repository locations and passphrase sources (a `BackupContext` and `BackupSources`),
and is tested alone against a real `borg`. Entry points:

- `setup`: init_repository, host_keys / pin_host, ssh_identity, write_key_sheet,
  confirm_key_sheet, break_lock, accept_relocation;
- `jobs`: run_backup, check_repositories, verify_data;
- `archives`: list_archives, browse_archive, restore_paths;
- `restore`: restore_to_data_dir (dead server), restore_school, restore_drill;
- `status`: repository_status.
"""
