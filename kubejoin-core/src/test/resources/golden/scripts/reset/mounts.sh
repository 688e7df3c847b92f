cat '/proc/mounts'
