from cordon.cli import main

main()
