"""What every job shares: the ports its engines implement, the loop that picks the first passing engine,
the safety stage, and the engine names the settings may list."""
