"""Pieces of the simulated drone camera: procedural ground, people and objects, the camera
projection, flights of poses, and the H.264 UDP streamer. ``sitl.scene`` and
``sitl.sim_camera`` are the public faces.
"""
