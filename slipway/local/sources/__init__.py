"""One module per AWS event source: each builds the event Lambda receives from it and parses what
the function answers, once; the local runtime (gateway, pollers) and `slipway.events` both use them.

Nothing here does I/O or imports the runtime: builders take plain values, parsers take the
function's result (anything with `.failed` and `.payload`).
"""
