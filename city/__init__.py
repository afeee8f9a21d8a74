"""Clerkflow's city: the records office that the diagrams run (Article 6, K.S.A. 45-215 ff.).

`city.rules` holds its rules as pure functions. This file imports nothing, so that importing a
rule never loads the database or the BPMN runtime.
"""
