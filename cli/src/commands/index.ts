// One line per command; the module is imported only when the command runs.
import { registerCommand } from '../main.js';

void registerCommand;
