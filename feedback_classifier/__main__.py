from feedback_classifier.cli import main

main()
