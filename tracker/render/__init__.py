"""Turning tracker's data into text: Rich tables for people, JSON for programs."""
