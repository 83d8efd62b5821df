"""Adds the root-level calibration/ and models/ folders to the wheel as package data."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["edge_juggler*"])
    + ["edge_juggler._data.calibration", "edge_juggler._data.models"],
)
