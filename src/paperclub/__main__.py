from paperclub.cli import main

main()
