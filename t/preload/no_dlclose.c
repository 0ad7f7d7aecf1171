
/*
 * Copyright (C) ngx_trtc_module authors
 *
 * Preloaded into nginx by "make test-asan" and "make test-valgrind":
 * dlclose() does nothing.  nginx unloads its dynamic modules as it
 * destroys the cycle, just before a process exits; the leak checkers
 * run after that, and would see the module's frames as "<unknown
 * module>" or "???" (and its globals no more).  A module is never
 * really unloaded at a reload either: the new cycle opens it before
 * the old one closes it.
 */


int dlclose(void *handle);


int
dlclose(void *handle)
{
    (void) handle;

    return 0;
}
