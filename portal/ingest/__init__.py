"""The top of the portal: host reports come in here and go to their apps; periodic jobs run from here."""
