from deeprec.cli import main

main()
