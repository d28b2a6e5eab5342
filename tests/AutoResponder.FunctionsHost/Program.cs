// Placeholder entry point; replaced below.
return 0;
