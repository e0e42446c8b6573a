-- File names that are not valid UTF-8 (GBK bytes from a Windows / Samba share): the views show
-- their printable form (inbox_path, file_name: GBK decoded, else \xNN escapes); the raw bytes the
-- file system holds are kept here, one row per printable inbox path.
CREATE TABLE IF NOT EXISTS received_names (
    unit          VARCHAR NOT NULL,
    inbox_path    VARCHAR NOT NULL,         -- printable, as in received_files / submissions
    raw_path      BLOB NOT NULL,            -- the path's bytes relative to the inbox, as on disk
    first_seen    TIMESTAMP NOT NULL,
    PRIMARY KEY (unit, inbox_path)
);
