"""Stage: read raw sources, map fields, land raw tables, reject bad rows (nothing lost).

One reader module per source ``type:`` returns a :class:`~contactops.sources.base.RawBatch`;
``mapping`` maps it onto canonical fields, ``land`` stores it as one audited load.
"""
