"""Health: the box watches its hardware and services, keeps a history, explains problems.

Pure services, no Flask. The pieces, in the order a sample travels:

- `sampler` reads psutil (CPU, memory, filesystems, I/O, network, sensors, own processes);
- `smart`, `smartctl`, `smart_spool` read disks (the only privileged part is the root
  one-shot `smart_spool.main`, which writes JSON files that the worker reads);
- `mdstat`, `ups`, `checks`, `certs`, `updates`, `trend` read the rest of the box;
- `store` and `downsample` keep the history in `metrics.db` (raw, minute, hour tiers);
- `observations` turn facts into observations, `rules` decide levels with hysteresis and
  minimum durations, `alerts` persists alert episodes and silences, `messages` words them;
- `mailer` sends critical alerts at once and the rest in a daily digest;
- `diagnosis`, `bundle` and `chart` serve the `diagnose` command and the health page;
- `jobs` is what the scheduler calls.
"""
