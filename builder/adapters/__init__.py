"""Framework adapters: importing graphs drawn in other tools. Imports are inert: nothing in a file runs."""
