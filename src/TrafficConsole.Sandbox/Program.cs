// Standalone entry point of the sandbox cluster; filled in by the sandbox work.
return 0;
