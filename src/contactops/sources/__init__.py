"""Stage: read raw sources, map fields, land raw tables, reject bad rows (nothing lost).

One reader module per source ``type:`` returns a :class:`~contactops.sources.base.RawBatch`;
CSV and Parquet also stream a :class:`~contactops.sources.base.RawStream` of bounded
batches. ``mapping`` maps each batch onto canonical fields, ``carry`` keeps duplicates
right across batches, ``land`` stores them all as one audited load.
"""
