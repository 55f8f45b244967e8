"""Fixtures for the desk side of the team library: the real PostgreSQL cluster of tests/team.

A pytest fixture is found where it is imported: importing them here gives these tests the same
session-wide throwaway cluster (skipped only when PostgreSQL's programs are absent).
"""

from __future__ import annotations

from tests.team.conftest import library, pg_cluster, team_url

__all__ = ["library", "pg_cluster", "team_url"]
