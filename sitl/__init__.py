"""The far end for training and tests: the built-in simulated ArduCopter, the ArduPilot SITL
launcher, the faulty-link proxy, the simulated camera and the training scenarios.
"""
