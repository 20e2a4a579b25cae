# The action server remembers each city's information desk from the start, so that it can
# still name it in its reply when the knowledge base becomes unreachable (replies/fault_reply.py).
from replies import fault_reply

fault_reply.warm_up()
