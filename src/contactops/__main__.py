from contactops.cli.app import main

main()
