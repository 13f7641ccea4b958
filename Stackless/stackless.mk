# Build glue for Stackless, included by Makefile.pre.in (see patches/).
#
# Stackless objects are part of the core interpreter library, like Python/
# and Objects/: the eval loop and thread state hooks call into them.  List a
# new C file here; no upstream patch is needed for it.

STACKLESS_OBJS = \
		Stackless/capi/channel.o \
		Stackless/capi/scheduler.o \
		Stackless/capi/tasklet.o \
		Stackless/core/bomb.o \
		Stackless/core/callbacks.o \
		Stackless/core/cfunction.o \
		Stackless/core/channel.o \
		Stackless/core/codecheck.o \
		Stackless/core/datastack.o \
		Stackless/core/frames.o \
		Stackless/core/framestate.o \
		Stackless/core/kill.o \
		Stackless/core/lifecycle.o \
		Stackless/core/preempt.o \
		Stackless/core/ring.o \
		Stackless/core/savedstate.o \
		Stackless/core/schedule.o \
		Stackless/core/select.o \
		Stackless/core/settings.o \
		Stackless/core/softswitch.o \
		Stackless/core/tasklet.o \
		Stackless/core/threads.o \
		Stackless/core/threadstate.o \
		Stackless/core/transfer.o \
		Stackless/module/channelobject.o \
		Stackless/module/exceptionargs.o \
		Stackless/module/pickling.o \
		Stackless/module/stacklessmodule.o \
		Stackless/module/taskletobject.o \
		Stackless/platf/cstack.o

# configure --with-hard-switch: `no` builds soft-only, without the target's
# stack switching routine (docs/architecture.md, D47).
ifeq ($(STACKLESS_HARD_SWITCH),no)
STACKLESS_CFLAGS = -DSLP_SOFT_ONLY=1
else
STACKLESS_CFLAGS =
STACKLESS_OBJS += Stackless/platf/switch.o
endif

STACKLESS_HEADERS = \
		$(srcdir)/Include/stackless.h \
		$(srcdir)/Include/stackless_api.h \
		$(srcdir)/Include/stackless_version.h \
		$(srcdir)/Include/internal/pycore_stackless.h \
		$(wildcard $(srcdir)/Stackless/*/*.h) \
		$(wildcard $(srcdir)/Stackless/*/clinic/*.h)

# An out-of-tree build directory has no Stackless/ subdirectories yet, and
# configure does not know about them: create them here.
Stackless/%.o: $(srcdir)/Stackless/%.c $(STACKLESS_HEADERS)
	@mkdir -p $(@D)
	$(CC) -c $(PY_CORE_CFLAGS) $(STACKLESS_CFLAGS) -I$(srcdir)/Stackless \
		-o $@ $<

# Assembly: platf/switch.S includes the target's switch_*.S.  Only pattern
# rules here: an explicit target would become the Makefile's default goal.
Stackless/%.o: $(srcdir)/Stackless/%.S $(STACKLESS_HEADERS) \
		$(wildcard $(srcdir)/Stackless/platf/switch_*.S)
	@mkdir -p $(@D)
	$(CC) -c $(PY_CORE_CFLAGS) -o $@ $<

# sys.version's build info.  configure has CPython's build run
# `git --git-dir $(srcdir)/.git describe --dirty` in the build directory,
# which git then takes for the work tree, so every out-of-tree build of
# build/src would read "dirty".  Ask git about the source tree itself.
ifneq ($(GITTAG),)
GITVERSION = git -C $(srcdir) rev-parse --short HEAD
GITTAG = git -C $(srcdir) describe --all --always --dirty
GITBRANCH = git -C $(srcdir) name-rev --name-only HEAD
endif
