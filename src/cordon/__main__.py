"""`python -m cordon`: the same CLI as the `cordon` script. The guard matters: Dask and
multiprocessing re-import __main__ in every worker process they spawn."""

from cordon.cli import main

if __name__ == "__main__":
    main()
