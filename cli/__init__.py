"""offramp's command line (click): parse, call one library function, write, summarise."""
