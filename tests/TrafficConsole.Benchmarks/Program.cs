// Benchmarks entry point; see README.md, section Benchmarks.
return 0;
