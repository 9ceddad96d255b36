// Stack buffers on the hot path (the 1 KiB tokenCreator digest input above all) are always
// written before they are read; zeroing them first would cost more than the work they serve.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
